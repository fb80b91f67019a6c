using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>`sqlrsync --watch` as a process: a line per cycle, SIGTERM or Ctrl+C end it with exit 0, and its options' usage errors.</summary>
public sealed class WatchCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// With --json each cycle is one JSON object on one line of stdout; a commit makes a cycle that sends
    /// its pages; SIGTERM (systemd stopping the unit) or Ctrl+C ends the watch with exit 0 and the replica
    /// equal to the origin.
    /// </summary>
    [SkippableTheory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void ASignalEndsTheWatchWithExitZeroAndEachCycleIsAJsonLine(string signal)
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        string[] arguments = ["--default-signal=INT", "dotnet", SqlRsyncProgram.DllPath, "--watch", origin, replica, "--json", "--interval", "10ms"];
        using var watch = ExternalProgram.Start("env", arguments);
        var error = watch.StandardError.ReadToEndAsync();
        try
        {
            var first = NextCycle(watch);
            Assert.Equal(1, first.GetProperty("cycle").GetInt32());
            Assert.Equal("synced", first.GetProperty("replicas")[0].GetProperty("outcome").GetString());

            TestDatabase.Sqlite3Cli(origin, "INSERT INTO items(name, body) VALUES ('watched', randomblob(3000))");
            var second = NextCycle(watch);
            Assert.Equal(2, second.GetProperty("cycle").GetInt32());
            Assert.InRange(second.GetProperty("pages_changed").GetInt64(), 1, 20);
            Assert.True(second.GetProperty("lag_seconds").GetDouble() > 0);
            Assert.Equal(1, second.GetProperty("replicas_synced").GetInt32());

            var kill = ExternalProgram.Run("kill", [$"-{signal}", watch.Id.ToString(CultureInfo.InvariantCulture)]);
            Skip.If(kill.ExitCode != 0, $"cannot send SIG{signal} here: {kill.StandardError}");
            Assert.True(watch.WaitForExit(TimeSpan.FromSeconds(30)), $"the watch did not end after SIG{signal}");
            Assert.True(watch.ExitCode == 0, $"exit code {watch.ExitCode}; it said: {error.Result}");
            Assert.Equal("", error.Result);
            TestDatabase.AssertSynced(origin, replica, 4096);
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill();
            }
        }
    }

    [Theory]
    [InlineData("--interval 1s", "--interval says how --watch syncs: give it with --watch")]
    [InlineData("--watch --interval 5x", "--interval 5x: give a time from 0 to 1d, in seconds or with a unit (250ms, 2s, 1m)")]
    [InlineData("--watch --snapshot-every 0", "--snapshot-every 0: give a time from 1s to 366d, in seconds or with a unit (15m, 6h, 1d)")]
    [InlineData("--watch --dry-run", "--dry-run is for a single sync, not --watch")]
    public void WatchOptionsOutOfPlaceAreOneUsageLine(string options, string expected)
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);

        var result = SqlRsyncProgram.Run([origin, _dir.File("replica.db"), .. options.Split(' ')]);

        Assert.Equal($"sqlrsync: error: {expected} (see sqlrsync --help)", SqlRsyncProgram.AssertErrorLine(result, 2));
        Assert.False(File.Exists(_dir.File("replica.db")));
    }

    [Fact]
    public void AWatchOfARemoteOriginIsRefused()
    {
        var result = SqlRsyncProgram.Run("--watch", "host:/data/origin.db", _dir.File("replica.db"));

        Assert.Contains("--watch sees the origin's commits on this machine", SqlRsyncProgram.AssertErrorLine(result, 2), StringComparison.Ordinal);
    }

    /// <summary>The next line of stdout (bounded wait), a cycle's JSON object.</summary>
    private static JsonElement NextCycle(Process watch)
    {
        var line = watch.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromSeconds(60)), "no cycle within 60 s");
        Assert.NotNull(line.Result);
        return JsonDocument.Parse(line.Result).RootElement.Clone();
    }
}
