using Rsync.Tests.Support;

namespace Rsync.Tests.Cli;

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
                       @"changed [\d,]+ of [\d,]+ pages \([\d,]+ bytes, [\d,]+ on the wire\) in \d+ round trips; [\d.]+ s\n$", result.StandardError);
        Assert.Equal("2000", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items"));
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--busy-timeout", "soon")]
    [InlineData("--compress", "maybe")]
    [InlineData("only-one-path.db")]
    public void UsageErrorsExitWithTwo(params string[] arguments)
    {
        var result = SqlRsyncProgram.Run(arguments);

        Assert.Equal(2, result.ExitCode);
        AssertOneErrorLine(result.StandardError);
    }

    [Fact]
    public void SameFileIsAUsageError()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);
        File.CreateSymbolicLink(dir.File("link.db"), origin);
        var before = File.ReadAllBytes(origin);

        var result = SqlRsyncProgram.Run(origin, dir.File("link.db"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("same file", result.StandardError);
        Assert.Equal(before, File.ReadAllBytes(origin));
    }

    [Fact]
    public void MissingOriginAndMissingReplicaDirectoryFail()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);

        var missing = SqlRsyncProgram.Run(dir.File("nope.db"), dir.File("replica.db"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.StandardError);

        var noDirectory = SqlRsyncProgram.Run(origin, dir.File("no/such/dir/replica.db"));
        Assert.Equal(1, noDirectory.ExitCode);
        Assert.Contains("directory", noDirectory.StandardError);
        Assert.False(File.Exists(dir.File("replica.db")));
    }

    [Fact]
    public void ReplicaThatIsNotADatabaseIsNeverOverwritten()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("notes.txt");
        TestDatabase.Create(origin, rows: 100);
        File.WriteAllText(replica, string.Concat(Enumerable.Repeat("precious notes\n", 500)));
        var before = File.ReadAllBytes(replica);

        var result = SqlRsyncProgram.Run(origin, replica);

        Assert.Equal(1, result.ExitCode);
        AssertOneErrorLine(result.StandardError);
        Assert.Contains("not a SQLite database", result.StandardError);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }

    [Fact]
    public void PageSizeMismatchIsRefused()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 100, pageSize: 4096);
        TestDatabase.Create(replica, rows: 100, pageSize: 8192);
        var before = File.ReadAllBytes(replica);

        var result = SqlRsyncProgram.Run(origin, replica);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("page size mismatch", result.StandardError);
        Assert.Equal(before, File.ReadAllBytes(replica));
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
    public void LockedReplicaFailsAfterTheBusyTimeout()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 100);
        TestDatabase.Create(replica, rows: 5);
        using var other = TestDatabase.Connect(replica);
        TestDatabase.Execute(other, "BEGIN IMMEDIATE");

        var result = SqlRsyncProgram.Run(origin, replica, "--busy-timeout", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("locked by another writer; gave up after 1 s", result.StandardError);
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
        Assert.True(long.Parse(bytes.Groups[2].Value.Replace(",", "")) < long.Parse(bytes.Groups[1].Value.Replace(",", "")), result.StandardError);
        Sync.SyncMatrixTests.AssertSynced(origin, replica, 4096);
    }

    private static void AssertOneErrorLine(string standardError)
    {
        var line = Assert.Single(standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sqlrsync: error: ", line);
        Assert.DoesNotContain("   at ", standardError);
    }
}
