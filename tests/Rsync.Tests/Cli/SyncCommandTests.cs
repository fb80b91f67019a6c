using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>`sqlrsync ORIGIN REPLICA` as a real process: exit codes, one-line errors, nothing changed on failure.</summary>
public class SyncCommandTests
{
    [Fact]
    public void SyncsAndSummarizesWithVerbose()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);

        var result = SqlRsyncProgram.Run(origin, replica, "-v");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Matches(@"^sent [\d,]+ bytes  received [\d,]+ bytes  [\d,.]+ bytes/sec\n" +
                       @"total size is [\d,]+  speedup is [\d.]+\n" +
                       @"changed [\d,]+ of [\d,]+ pages \([\d,]+ bytes, [\d,]+ on the wire\) in \d+ round trips?; [\d.]+ s\n$", result.StandardError);
        Assert.Equal("2000", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items"));
    }

    [Fact]
    public void WalOnlyRefusesARollbackJournalOrigin()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 100, journalMode: "delete");

        var refused = SqlRsyncProgram.Run(origin, replica, "--wal-only");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not a WAL database and --wal-only was given", refused.StandardError);
        Assert.False(File.Exists(replica));

        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
    }

    [Fact]
    public void CompressedLocalSyncIsIdentical()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000);

        var result = SqlRsyncProgram.Run(origin, replica, "--compress", "on", "-v");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var bytes = System.Text.RegularExpressions.Regex.Match(result.StandardError, @"\(([\d,]+) bytes, ([\d,]+) on the wire\)");
        Assert.True(long.Parse(bytes.Groups[2].Value.Replace(",", ""), CultureInfo.InvariantCulture) < long.Parse(bytes.Groups[1].Value.Replace(",",
            ""), CultureInfo.InvariantCulture), result.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }
}
