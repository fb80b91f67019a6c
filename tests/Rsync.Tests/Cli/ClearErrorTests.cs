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
        AssertClearError(1, "is not a SQLite database (or is encrypted or damaged); check that the path names the right file", _dir.File("random.db"), _replica);
    }

    [Fact]
    public void OriginATextFile()
    {
        File.WriteAllText(_dir.File("notes.txt"), string.Concat(Enumerable.Repeat("just some notes\n", 300)));
        AssertClearError(1, "is not a SQLite database", _dir.File("notes.txt"), _replica);
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
    public void PageSizeMismatch()
    {
        TestDatabase.Create(_replica, rows: 100, pageSize: 8192);
        TestDatabase.Checkpoint(_replica);
        AssertClearError(1, "page size mismatch: the origin uses 4096 bytes", _origin, _replica);
    }

    [Fact]
    public void ReplicaDirectoryMissing() =>
        AssertClearError(1, "does not exist (create it first)", _origin, _dir.File("no/such/dir/replica.db"));

    [Fact]
    public void TwoRemoteEndpoints() =>
        AssertClearError(2, "one side must be a local path (see sqlrsync --help)", "hosta:/srv/a.db", "hostb:/srv/b.db");

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--busy-timeout", "soon")]
    [InlineData("--compress", "maybe")]
    public void UnknownOptionOrBadValue(params string[] option) =>
        AssertClearError(2, "(see sqlrsync --help)", [_origin, _replica, .. option]);

    [Fact]
    public void OnlyOnePath() => AssertClearError(2, "give ORIGIN and REPLICA", "only-one-path.db");

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
