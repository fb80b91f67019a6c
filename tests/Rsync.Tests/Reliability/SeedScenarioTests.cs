using System.Globalization;
using System.Text.RegularExpressions;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Reliability;

/// <summary>
/// The seed documents' failure modes (../shared/seeds/, mapped in docs/seeds.md) that are not already
/// covered elsewhere: 001 (file handles and the origin's -wal) and 002 (visibility right after a sync).
/// 000 is UnsafeFilesystemTests, 003 and 004 are in LiveDatabaseTests.
/// </summary>
public class SeedScenarioTests
{
    /// <summary>
    /// Seed 001: closing any file handle drops a process's POSIX locks on that file, so sqlrsync must
    /// never open a database it has open through SQLite by any other means; and its close must not
    /// checkpoint and truncate an origin's -wal that another process is still using. The origin is
    /// opened once; an existing replica twice, both times by SQLite (its writer and the memory-mapped
    /// connection that reads it for comparing: SQLite keeps a second connection's descriptor open
    /// while the first holds locks, so closing it drops none). SQLite opens a database with O_NOFOLLOW,
    /// which .NET's file APIs never use: an open without it is not SQLite's.
    /// </summary>
    [SkippableFact]
    public void Seed001DatabasesAreOpenedOnlyBySqliteAndTheOriginsWalIsNotTruncated()
    {
        Skip.IfNot(File.Exists("/usr/bin/strace"), "strace is not installed (.ci/run installs it)");
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        // Another process commits frames to the -wal and is killed before it can checkpoint: the
        // frames stay, and sqlrsync's connection is the last one to close the origin.
        using (var writer = new SqliteShell(origin))
        {
            writer.Run("PRAGMA wal_autocheckpoint = 0; INSERT INTO items(name, body) SELECT name || '+', body FROM items;");
            Assert.Equal("2000", TestDatabase.Sqlite3Cli(origin, "SELECT count(*) FROM items"));
        }
        Assert.True(new FileInfo(origin + "-wal").Length > 0);
        var databaseBefore = File.ReadAllBytes(origin);
        var walBefore = File.ReadAllBytes(origin + "-wal");

        foreach (var run in new[] { "new replica", "update" })
        {
            // -ff: a file per thread, so that no call is split into "unfinished" and "resumed" lines
            // when two threads open files at once (the origin's and the replica's sides do).
            var trace = dir.File($"trace-{run}");
            var result = ExternalProgram.Run("/usr/bin/strace", ["-ff", "-y", "-e", "trace=open,openat", "-o", trace, "dotnet",
                SqlRsyncProgram.DllPath, origin, replica]);
            Skip.If(result.StandardError.Contains("ptrace"), $"strace cannot trace here: {result.StandardError.Trim()}");
            Assert.True(result.ExitCode == 0, result.StandardError);
            var opens = Directory.GetFiles(dir.Path, $"trace-{run}.*").SelectMany(File.ReadAllLines).ToArray();
            Assert.Equal(1, SuccessfulOpens(opens, origin));
            Assert.Equal(run == "update" ? 2 : 0, SuccessfulOpens(opens, replica));
            Assert.All(new[] { origin, replica }, path => Assert.Equal(SuccessfulOpens(opens, path), SuccessfulOpens(opens, path, "O_NOFOLLOW")));
        }

        Assert.Equal(databaseBefore, File.ReadAllBytes(origin));
        Assert.Equal(walBefore, File.ReadAllBytes(origin + "-wal"));
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    /// <summary>Seed 002: once sqlrsync returns, a reader that starts afterwards in another process sees the new data.</summary>
    [Fact]
    public void Seed002AFreshReaderSeesTheNewDataAsSoonAsTheSyncReturns()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 500);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        using var replicaReader = new SqliteShell(replica);  // a long-lived reader of the replica, as in the seed
        replicaReader.Run("SELECT count(*) FROM items;");

        for (int round = 1; round <= 5; round++)
        {
            using (var connection = TestDatabase.Connect(origin))
            {
                TestDatabase.InsertRows(connection, rows: 100, seed: 10 + round);
            }
            var sync = SqlRsyncProgram.Run(origin, replica);
            Assert.True(sync.ExitCode == 0, sync.StandardError);

            Assert.Equal((500 + 100 * round).ToString(CultureInfo.InvariantCulture), TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items"));
        }
        replicaReader.Finish();
    }

    /// <summary>
    /// Lines of an strace -y log where exactly <paramref name="path"/> (not its -wal or -shm) was opened
    /// successfully (with <paramref name="flag"/> among its flags, when given): -y names the file a
    /// descriptor returned refers to, whether it was opened by its whole path or relative to a directory.
    /// </summary>
    private static int SuccessfulOpens(string[] trace, string path, string flag = "") =>
        trace.Count(line => Regex.IsMatch(line, $"open(at)?\\(.*{flag}.*\\) = \\d+<{Regex.Escape(path)}>$"));
}
