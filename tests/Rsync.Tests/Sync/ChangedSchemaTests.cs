using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// A replica whose schema another program changed (an index or a table added, a table dropped,
/// auto-vacuum switched on and the file vacuumed) syncs like any other once the guard lets it be
/// overwritten: exact pages, no false "damaged". Before, a new page 1 made SQLite re-read the
/// schema from half-written pages, and an auto-vacuum replica moved pages at the commit.
/// </summary>
public sealed class ChangedSchemaTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("wal", "CREATE INDEX by_k ON t(k)")]
    [InlineData("delete", "CREATE INDEX by_k ON t(k)")]
    [InlineData("wal", "CREATE TABLE extra(x); INSERT INTO extra SELECT v FROM t WHERE id % 10 = 0")]
    [InlineData("delete", "DROP TABLE u")]
    [InlineData("wal", "PRAGMA auto_vacuum = FULL; VACUUM")]
    [InlineData("delete", "PRAGMA auto_vacuum = INCREMENTAL; VACUUM; CREATE INDEX by_v ON t(v)")]
    public void AReplicaWithAnotherSchemaIsSyncedExactly(string journalMode, string change)
    {
        var origin = _dir.File("a.db");
        var replica = _dir.File("h.db");
        // Free pages in the origin: an auto-vacuum replica would be tempted to move pages at the commit.
        TestDatabase.Sqlite3Cli(origin, $"PRAGMA journal_mode={journalMode}; CREATE TABLE t(id INTEGER PRIMARY KEY, k, v); CREATE TABLE u(x); " +
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 4000) INSERT INTO t SELECT i, i % 97, randomblob(100) FROM c; " +
            "INSERT INTO u SELECT v FROM t; DELETE FROM t WHERE id < 1500;");
        Assert.NotEqual("0", TestDatabase.Sqlite3Cli(origin, "PRAGMA freelist_count"));
        File.Copy(origin, replica);
        TestDatabase.Sqlite3Cli(replica, change);
        Assert.Equal("ok", TestDatabase.Sqlite3Cli(replica, "PRAGMA integrity_check"));

        var sync = SqlRsyncProgram.Run(origin, replica, "--force");

        Assert.True(sync.ExitCode == 0, sync.StandardError);
        TestDatabase.AssertPageIdentical(origin, replica, 4096);
        TestDatabase.AssertIntegrityOk(replica);
        Assert.Equal(TestDatabase.Sqlite3Cli(origin, "SELECT group_concat(name) FROM sqlite_schema"), TestDatabase.Sqlite3Cli(replica,
            "SELECT group_concat(name) FROM sqlite_schema"));
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica, "--check").ExitCode);
    }
}
