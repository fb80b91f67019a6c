using System.Diagnostics;
using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// What `--watch` costs the origin's WAL under a writer at full speed (Debian's sqlite3 shell in
/// another process, synchronous NORMAL), for a minute. The bound depends on how long a cycle holds
/// its snapshot, which other tests running beside it on a small machine would stretch: it runs alone.
/// </summary>
[Collection(nameof(RunsAlone))]
public class WatchWalGrowthTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Between cycles the origin holds nothing, and a cycle's snapshot is short: with wal_autocheckpoint
    /// at its default and a writer at full speed, the -wal reaches no more in a minute of the watch (the
    /// native sqlrsync, as users run it) than the same writer made it reach alone, plus one checkpoint's
    /// worth of frames (1,000). The replica's -wal stays as small: the watch's kept connection lets its
    /// autocheckpoint run.
    /// </summary>
    [SkippableFact]
    public void ForAMinuteOfAWriterAtFullSpeedTheWalGrowsNoMoreThanOneCheckpointPastItsOwnMost()
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        using var writer = new SqliteShell(origin);
        writer.Run($"{WatchEnduranceTests.WriterWaits}\nPRAGMA synchronous = NORMAL;");
        long most = 0;
        long replicaMost = 0;
        using var sampling = new CancellationTokenSource();
        // Sizes by stat, never by an open of the file (seed 001); a -wal's size is the most it held since it was made.
        var sampler = Task.Run(() =>
        {
            while (!sampling.IsCancellationRequested)
            {
                Interlocked.Exchange(ref most, Math.Max(Interlocked.Read(ref most), SizeOf(origin + "-wal")));
                Interlocked.Exchange(ref replicaMost, Math.Max(Interlocked.Read(ref replicaMost), SizeOf(replica + "-wal")));
                Thread.Sleep(1);
            }
        });
        void WriteFor(TimeSpan time)
        {
            var clock = Stopwatch.StartNew();
            // Fifty statements a write: the feeding costs this process little of the CPU the watch needs.
            var statements = string.Join('\n', Enumerable.Repeat("UPDATE items SET body = randomblob(200) WHERE id = abs(random()) % 2000 + 1;", 50));
            while (clock.Elapsed < time)
            {
                writer.Send(statements);
            }
            writer.Run("");
        }

        WriteFor(TimeSpan.FromSeconds(15));
        long alone = Interlocked.Read(ref most);
        using var watch = ExternalProgram.Start(NativeProgram.Path, ["--watch", origin, replica, "--interval", "10ms", "--json"]);
        var cycles = watch.StandardOutput.ReadToEndAsync();
        var said = watch.StandardError.ReadToEndAsync();
        try
        {
            WriteFor(Minute);
            Assert.Equal(0, ExternalProgram.Run("kill", ["-TERM", watch.Id.ToString(CultureInfo.InvariantCulture)]).ExitCode);
            Assert.True(watch.WaitForExit(TimeSpan.FromSeconds(30)), "the watch did not end after SIGTERM");
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill();
            }
        }
        sampling.Cancel();
        sampler.Wait();

        Assert.True(watch.ExitCode == 0, $"exit code {watch.ExitCode}; it said: {said.Result}");
        var (_, writeErrors) = writer.Finish();
        Assert.True(writeErrors.Trim() == "", writeErrors);
        int cycleCount = cycles.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.True(cycleCount > 100, $"{cycleCount} cycles");
        Assert.True(alone > 0, "the writer alone never grew the -wal");
        long oneCheckpoint = 1000 * (4096 + 24);
        Assert.True(most <= alone + oneCheckpoint,
            $"the -wal reached {most:N0} bytes with the watch, {alone:N0} without: more than one checkpoint ({oneCheckpoint:N0}) past it");
        Assert.True(replicaMost <= alone + oneCheckpoint, $"the replica's -wal reached {replicaMost:N0} bytes");
        TestDatabase.AssertIntegrityOk(replica);
    }

    private static long SizeOf(string path) => new FileInfo(path) is { Exists: true } file ? file.Length : 0;
}
