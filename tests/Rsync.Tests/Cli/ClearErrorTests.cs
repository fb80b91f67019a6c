using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>
/// Each way a user can get a sync wrong, run as a real process: one line on stderr that says what is
/// wrong and what to do, a non-zero exit code, no stack trace, and nothing on disk changed.
/// </summary>
public sealed class ClearErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _origin;
    private readonly string _replica;

    public ClearErrorTests()
    {
        _origin = _dir.File("origin.db");
        _replica = _dir.File("replica.db");
        TestDatabase.Create(_origin, rows: 200);
        TestDatabase.Checkpoint(_origin);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void OriginMissing() =>
        AssertClearError(1, "does not exist (check the path)", _dir.File("nope.db"), _replica);

    [Fact]
    public void OriginOfRandomBytes()
    {
        var bytes = new byte[8192];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(_dir.File("random.db"), bytes);
        AssertClearError(1, "is not a SQLite database (or is encrypted or damaged); check that the path names the right file",
            _dir.File("random.db"), _replica);
    }

    [Fact]
    public void OriginATextFile()
    {
        File.WriteAllText(_dir.File("notes.txt"), string.Concat(Enumerable.Repeat("just some notes\n", 300)));
        AssertClearError(1, "is not a SQLite database", _dir.File("notes.txt"), _replica);
    }

    /// <summary>
    /// An origin with a hot journal (its writer was killed inside a transaction), read by a user who may
    /// not write it: the line says it needs a writer to roll the journal back (it said "read-only:
    /// check the permissions"), and nothing changes.
    /// </summary>
    [SkippableFact]
    public void AHotJournalOriginReadByAUserWhoMayNotWriteIt()
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        using var reader = new OtherUser();
        Skip.If(reader.Unavailable is not null, reader.Unavailable);
        var shared = OtherUser.SharedDirectory(_dir, "theirs");
        var origin = _dir.File("hot.db");
        TestDatabase.Sqlite3Cli(origin, "PRAGMA journal_mode=delete; CREATE TABLE t(v); " +
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500) INSERT INTO t SELECT randomblob(1000) FROM c;");
        using (var writer = new SqliteShell(origin))
        {
            writer.Run("PRAGMA cache_size = 10; BEGIN; UPDATE t SET v = randomblob(1000);");
            ExternalProgram.Run("kill", ["-9", writer.ProcessId.ToString(CultureInfo.InvariantCulture)]);
        }
        Assert.True(File.Exists(origin + "-journal"));
        File.SetUnixFileMode(origin, (UnixFileMode)0x1A4);  // 0644
        var before = DirectorySnapshot.Take(_dir.Path);

        var result = ExternalProgram.Run("runuser", ["-u", reader.Name, "--", NativeProgram.Path, origin, Path.Combine(shared, "copy.db")]);
        Skip.If(result.StandardError.Contains("Permission denied") && !result.StandardError.Contains("sqlrsync:"),
            $"{reader.Name} cannot run {NativeProgram.Path} here");

        var line = SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.Contains($"origin {origin} has a hot journal (a writer stopped in the middle of a transaction), which must be rolled back before " +
            "anyone can read it, and this user may not write", line);
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
        Assert.False(File.Exists(Path.Combine(shared, "copy.db")));
    }

    [Fact]
    public void ReplicaThatIsNotADatabaseIsNeverOverwritten()
    {
        File.WriteAllText(_replica, string.Concat(Enumerable.Repeat("precious notes\n", 500)));
        AssertClearError(1, $"replica {_replica} is not a SQLite database", _origin, _replica);
    }

    [Fact]
    public void OriginAndReplicaTheSameFile()
    {
        File.CreateSymbolicLink(_dir.File("link.db"), _origin);
        AssertClearError(2, "same file", _origin, _dir.File("link.db"));
    }

    [Fact]
    public void ReplicaDirectoryMissing() =>
        AssertClearError(1, "does not exist (create it first)", _origin, _dir.File("no/such/dir/replica.db"));

    [Fact]
    public void TwoRemoteEndpoints() =>
        AssertClearError(2, "one side must be a local path", "hosta:/srv/a.db", "hostb:/srv/b.db");

    /// <summary>Every usage error names the word at fault and what to write instead; {o} and {r} stand for the two paths.</summary>
    [Theory]
    [InlineData("unknown option --dryrun; did you mean --dry-run?", "--dryrun", "{o}", "{r}")]
    [InlineData("unknown option --verbos; did you mean --verbose?", "{o}", "{r}", "--verbos")]
    [InlineData("unknown option --bogus; sqlrsync --help lists the options (write ./--bogus for a file", "{o}", "{r}", "--bogus")]
    [InlineData("--port abc: give a TCP port number, 1 to 65535", "-p", "abc", "{o}", "host:/srv/r.db")]
    [InlineData("--port 0: give a TCP port number, 1 to 65535", "--port=0", "{o}", "host:/srv/r.db")]
    [InlineData("--busy-timeout soon: give the seconds to wait, 0 or more", "{o}", "{r}", "--busy-timeout", "soon")]
    [InlineData("--busy-timeout -1: give the seconds to wait, 0 or more", "{o}", "{r}", "--busy-timeout", "-1")]
    [InlineData("--timeout 0: give the seconds of silence to allow, at least 1", "{o}", "host:/srv/r.db", "--timeout", "0")]
    [InlineData("--compress maybe: give auto, on or off", "{o}", "{r}", "--compress", "maybe")]
    [InlineData("--protocol 3: sqlite3_rsync's protocol has versions 1 and 2", "{o}", "host:/srv/r.db", "--protocol", "3")]
    [InlineData("--exe needs a value", "{o}", "host:/srv/r.db", "--exe")]
    [InlineData("--port is for a remote side, and {o} and {r} are both local", "-p", "2299", "{o}", "{r}")]
    [InlineData("--exe is for a remote side", "{o}", "{r}", "--exe", "/usr/bin/sqlrsync")]
    [InlineData("--protocol is for a remote side", "{o}", "{r}", "--protocol", "1")]
    [InlineData("give a REPLICA after {o}: sqlrsync ORIGIN REPLICA", "{o}")]
    [InlineData("--logfile is a debugging option of sqlite3_rsync that sqlrsync does not have", "--logfile", "log.txt", "{o}", "{r}")]
    [InlineData("unknown option -x; sqlrsync --help lists the options", "-x", "{o}", "{r}")]
    public void UsageErrorNamesTheWordAndTheFix(string expected, params string[] arguments)
    {
        string Paths(string text) => text.Replace("{o}", _origin).Replace("{r}", _replica);
        AssertClearError(2, Paths(expected), [.. arguments.Select(Paths)]);
        Assert.Contains("--help", SqlRsyncProgram.Run([.. arguments.Select(Paths)]).StandardError);
    }

    [Fact]
    public void TwoRemoteLookingLocalFilesGetTheDotSlashHint() =>
        AssertClearError(2, "write ./NAME for a local file whose name has a ':'", "app-2026-11-23T02:53.db", "backup-2026-11-23T02:53.db");

    [Fact]
    public void ReplicaLockedByAnotherWriterPastTheBusyTimeout()
    {
        Assert.Equal(0, SqlRsyncProgram.Run(_origin, _replica).ExitCode);
        TestDatabase.Checkpoint(_replica);
        var before = DirectorySnapshot.Take(_dir.Path);
        ExternalProgram.Result result;
        using (var other = TestDatabase.Connect(_replica))
        {
            TestDatabase.Execute(other, "BEGIN IMMEDIATE");
            result = SqlRsyncProgram.Run(_origin, _replica, "--busy-timeout", "1");
        }
        AssertOneLine(result, 1, "locked by another writer; gave up after 1 s (raise --busy-timeout or retry later)");
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
    }

    [Fact]
    public void RollbackJournalReplicaReadPastTheBusyTimeout()
    {
        var origin = _dir.File("rollback.db");
        TestDatabase.Create(origin, rows: 300, journalMode: "delete");
        Assert.Equal(0, SqlRsyncProgram.Run(origin, _replica).ExitCode);
        using (var writer = TestDatabase.Connect(origin))
        {
            TestDatabase.InsertRows(writer, rows: 300, seed: 9);
        }
        AssertRefusedWhileTheReplicaIsRead(origin);
    }

    /// <summary>
    /// The same, with more changed pages than the replica's page cache holds (500): SQLite tries to spill
    /// the cache to the file at every page past that, and each try waited the whole busy timeout (the
    /// sync would have taken over 15 minutes here). --busy-timeout bounds the wait in all.
    /// </summary>
    [Fact]
    public void RollbackJournalReplicaReadPastTheBusyTimeoutWhileItsCacheSpills()
    {
        var origin = _dir.File("rollback.db");
        TestDatabase.Create(origin, rows: 20000, journalMode: "delete");
        Assert.Equal(0, SqlRsyncProgram.Run(origin, _replica).ExitCode);
        TestDatabase.Sqlite3Cli(origin, "UPDATE items SET body = randomblob(length(body))");
        AssertRefusedWhileTheReplicaIsRead(origin);
    }

    /// <summary>Syncs <paramref name="origin"/> into the rollback-journal replica while another connection reads it, past a 1 s busy timeout.</summary>
    private void AssertRefusedWhileTheReplicaIsRead(string origin)
    {
        var before = DirectorySnapshot.Take(_dir.Path);
        ExternalProgram.Result result;
        using (var reader = TestDatabase.Connect(_replica, readOnly: true))
        {
            // A read transaction: its shared lock keeps a rollback-journal database from being written.
            TestDatabase.Execute(reader, "BEGIN");
            TestDatabase.Scalar(reader, "SELECT count(*) FROM sqlite_schema");
            result = SqlRsyncProgram.Run(origin, _replica, "--busy-timeout", "1");
        }
        AssertOneLine(result, 1,
            $"replica {_replica} is being read by another process, and a rollback-journal database cannot be written while it is read; gave up after 1 s");
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
    }

    [Fact]
    public void OriginADirectory()
    {
        Directory.CreateDirectory(_dir.File("data"));
        AssertClearError(1, "is a directory, not a database file; name the database file inside it", _dir.File("data"), _replica);
    }

    private void AssertClearError(int exitCode, string expected, params string[] arguments)
    {
        var before = DirectorySnapshot.Take(_dir.Path);
        var result = SqlRsyncProgram.Run(arguments);
        AssertOneLine(result, exitCode, expected);
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
    }

    private static void AssertOneLine(ExternalProgram.Result result, int exitCode, string expected)
    {
        var line = SqlRsyncProgram.AssertErrorLine(result, exitCode);
        Assert.Contains(expected, line);
        Assert.Equal("", result.StandardOutput);
    }
}
