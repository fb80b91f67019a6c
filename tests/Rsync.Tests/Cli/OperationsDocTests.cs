using System.Text.Json;
using System.Text.RegularExpressions;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>The systemd service in docs/operations.md runs as written, with its paths replaced by test files.</summary>
public class OperationsDocTests
{
    [Fact]
    public void TheServicesCommandSyncsAndPrintsOneJsonLine()
    {
        var doc = File.ReadAllText(Repository.File("docs/operations.md"));
        var execStart = Regex.Match(doc, @"^ExecStart=(/usr/local/bin/sqlrsync -q --json /srv/app/app\.db /backup/app\.db)$", RegexOptions.Multiline);
        Assert.True(execStart.Success, "docs/operations.md has no ExecStart line for the service");
        using var dir = new TempDirectory();
        var origin = dir.File("app.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        string command = execStart.Groups[1].Value
            .Replace("/usr/local/bin/sqlrsync", $"dotnet {SqlRsyncProgram.DllPath}")
            .Replace("/srv/app/app.db", origin)
            .Replace("/backup/app.db", replica);

        for (int run = 0; run < 2; run++)
        {
            var result = ExternalProgram.Run("/bin/sh", ["-c", command]);
            Assert.True(result.ExitCode == 0, result.StandardError);
            Assert.Equal("", result.StandardError);
            using var report = JsonDocument.Parse(result.StandardOutput);
            Assert.Equal("synced", report.RootElement.GetProperty("outcome").GetString());
        }
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    /// <summary>The --watch service runs as written: a JSON line per cycle, a commit synced, SIGTERM (systemctl stop) ends it with exit 0.</summary>
    [SkippableFact]
    public void TheWatchServicesCommandKeepsTheReplicaFreshUntilStopped()
    {
        var doc = File.ReadAllText(Repository.File("docs/operations.md"));
        var execStart = Regex.Match(doc, @"^ExecStart=(/usr/local/bin/sqlrsync --watch --json /srv/app/app\.db /backup/app\.db)$", RegexOptions.Multiline);
        Assert.True(execStart.Success, "docs/operations.md has no ExecStart line for the watch service");
        using var dir = new TempDirectory();
        var origin = dir.File("app.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        var words = execStart.Groups[1].Value.Split(' ')[1..].Select(word => word.Replace("/srv/app/app.db", origin).Replace("/backup/app.db", replica));
        using var watch = ExternalProgram.Start("dotnet", [SqlRsyncProgram.DllPath, .. words]);
        var error = watch.StandardError.ReadToEndAsync();
        try
        {
            Assert.Equal("synced", NextCycle(watch).GetProperty("replicas")[0].GetProperty("outcome").GetString());
            TestDatabase.Sqlite3Cli(origin, "INSERT INTO items(name, body) VALUES ('fresh', randomblob(100))");
            Assert.True(NextCycle(watch).GetProperty("pages_changed").GetInt64() > 0);
            Assert.Equal("1", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items WHERE name = 'fresh'"));

            var kill = ExternalProgram.Run("kill", ["-TERM", watch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Skip.If(kill.ExitCode != 0, $"cannot send SIGTERM here: {kill.StandardError}");
            Assert.True(watch.WaitForExit(TimeSpan.FromSeconds(30)), "the watch did not end after SIGTERM");
            Assert.True(watch.ExitCode == 0, $"exit code {watch.ExitCode}; it said: {error.Result}");
            Assert.Equal("", error.Result);
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill();
            }
        }
    }

    /// <summary>The next line the watch prints (bounded wait): a cycle's JSON object.</summary>
    private static JsonElement NextCycle(System.Diagnostics.Process watch)
    {
        var line = watch.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromSeconds(60)) && line.Result is not null, "no cycle within 60 s");
        using var cycle = JsonDocument.Parse(line.Result);
        return cycle.RootElement.Clone();
    }
}
