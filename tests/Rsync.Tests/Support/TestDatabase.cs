using System.Globalization;
using Microsoft.Data.Sqlite;
using SqlRsync.Engine.Sqlite;

namespace SqlRsync.Tests.Support;

/// <summary>Builds and inspects test databases with Microsoft.Data.Sqlite over our native SQLite.</summary>
public static class TestDatabase
{
    /// <summary>An open connection without pooling, so closing it really closes the file.</summary>
    public static SqliteConnection Connect(string path, bool readOnly = false)
    {
        SqliteLibrary.ShareWithSqlitePclRaw();
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }

    public static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Creates a database of <paramref name="rows"/> rows of random text and blobs, with an index,
    /// in the given journal mode and page size.
    /// </summary>
    public static void Create(string path, int rows, string journalMode = "wal", int pageSize = 4096, int seed = 1)
    {
        using var connection = Connect(path);
        Execute(connection, $"PRAGMA page_size = {pageSize}");
        Execute(connection, $"PRAGMA journal_mode = {journalMode}");
        Execute(connection, "CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, name TEXT, body BLOB)");
        Execute(connection, "CREATE INDEX IF NOT EXISTS items_name ON items(name)");
        InsertRows(connection, rows, seed);
    }

    public static void InsertRows(SqliteConnection connection, int rows, int seed)
    {
        var random = new Random(seed);
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO items(name, body) VALUES ($name, $body)";
        var name = command.Parameters.Add("$name", SqliteType.Text);
        var body = command.Parameters.Add("$body", SqliteType.Blob);
        for (int i = 0; i < rows; i++)
        {
            var bytes = new byte[random.Next(10, 400)];
            random.NextBytes(bytes);
            name.Value = $"item-{random.Next():x8}";
            body.Value = bytes;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>
    /// A replica as an earlier sync left it: a database like <see cref="Create"/>'s, made beside
    /// <paramref name="path"/> and synced into it, so sqlrsync's record is there too.
    /// </summary>
    public static void CreateReplica(string path, int rows, string journalMode = "wal", int pageSize = 4096, int seed = 1)
    {
        var madeElsewhere = path + ".made-elsewhere.db";
        Create(madeElsewhere, rows, journalMode, pageSize, seed);
        Syncs.Local(madeElsewhere, path);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(madeElsewhere) + "*"))
        {
            File.Delete(file);
        }
    }

    /// <summary>A copy of a replica with its record, which sqlrsync recognises as its own, as it would a backup of both.</summary>
    public static void CopyReplica(string replica, string copy)
    {
        File.Copy(replica, copy);
        File.Copy(replica + "-sqlrsync", copy + "-sqlrsync");
    }

    /// <summary>
    /// A copy made with cp and taken over as a replica, as a user does once with --force: the forced
    /// sync from the origin it equals writes sqlrsync's record and no page.
    /// </summary>
    public static void CopyAsReplica(string origin, string copy)
    {
        File.Copy(origin, copy);
        Assert.Equal(0u, Syncs.Local(origin, copy, new SyncOptions { Force = true }).PagesSent);
    }

    /// <summary>
    /// A WAL database of table t(id, v): <paramref name="rows"/> rows of 1,000 random bytes, four to a
    /// 4 KiB page (the shape bench/compare.sh syncs). Made by Debian's sqlite3.
    /// </summary>
    public static void CreateRowsOfRandomBytes(string path, int rows) =>
        Sqlite3Cli(path, "PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); " +
            $"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {rows}) INSERT INTO t(v) SELECT randomblob(1000) FROM c;");

    /// <summary>Rewrites every hundredth row of <see cref="CreateRowsOfRandomBytes"/>'s table in place: new random bytes, same length.</summary>
    public static void RewriteEveryHundredthRow(string path) => Sqlite3Cli(path, "UPDATE t SET v = randomblob(1000) WHERE id % 100 = 0");

    /// <summary>
    /// Debian's sqlite3 (an oracle we did not build) running <paramref name="sql"/> on <paramref name="path"/>,
    /// its output; with <paramref name="waitForLocks"/>, waiting up to 10 s for locks: the first connection
    /// to open a WAL database that none has open recovers its WAL index, and the others wait for that (a
    /// replica after a killed agent; an origin that a watch and a test's writer open at once).
    /// </summary>
    public static string Sqlite3Cli(string path, string sql, bool waitForLocks = false)
    {
        var result = ExternalProgram.Run("sqlite3", waitForLocks ? ["-cmd", ".timeout 10000", path, sql] : [path, sql]);
        Assert.True(result.ExitCode == 0, $"sqlite3 {path} '{sql}' failed: {result.StandardError}");
        return result.StandardOutput.Trim();
    }

    public static void AssertIntegrityOk(string path) => Assert.Equal("ok", Sqlite3Cli(path, "PRAGMA integrity_check"));

    /// <summary>
    /// Whether two database files hold the same pages, ignoring page-1 bytes 24-27 (change counter)
    /// and 92-99 (version-valid-for and SQLite version), which SQLite rewrites on commit.
    /// Only call when no connection of this process has either file open.
    /// </summary>
    public static void AssertPageIdentical(string expectedPath, string actualPath, int pageSize)
    {
        var difference = PageDifference(File.ReadAllBytes(expectedPath), File.ReadAllBytes(actualPath), pageSize);
        Assert.True(difference is null, $"{actualPath} differs from {expectedPath}: {difference}");
    }

    /// <summary>Where two database images first differ, ignoring those page-1 header bytes; null when they hold the same pages.</summary>
    public static string? PageDifference(byte[] expected, byte[] actual, int pageSize)
    {
        if (expected.Length != actual.Length)
        {
            return $"{actual.Length} bytes, not {expected.Length}";
        }
        for (int i = 0; i < expected.Length; i++)
        {
            bool rewrittenHeaderByte = i is >= 24 and <= 27 or >= 92 and <= 99;
            if (!rewrittenHeaderByte && expected[i] != actual[i])
            {
                return $"byte {i} (page {i / pageSize + 1})";
            }
        }
        return null;
    }

    /// <summary>Folds a WAL database's log into its main file so the file alone shows its content.</summary>
    public static void Checkpoint(string path)
    {
        using var connection = Connect(path);
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
    }

    /// <summary>A copy of the database as it is now, its WAL checkpointed first (a state to compare restores with); <paramref name="copy"/>.</summary>
    public static string CheckpointedCopy(string path, string copy)
    {
        Checkpoint(path);
        File.Copy(path, copy);
        return copy;
    }

    /// <summary>The replica holds exactly the origin's pages (both checkpointed first), and Debian's sqlite3 finds it intact.</summary>
    public static void AssertSynced(string origin, string replica, int pageSize)
    {
        Checkpoint(origin);
        Checkpoint(replica);
        AssertPageIdentical(origin, replica, pageSize);
        AssertIntegrityOk(replica);
    }

    /// <summary>Changes a database of <see cref="Create"/> as <paramref name="situation"/> says.</summary>
    public static void Change(string path, Situation situation)
    {
        using var connection = Connect(path);
        switch (situation)
        {
            case Situation.OnePercentChanged:
                Execute(connection, "UPDATE items SET name = name || '!' WHERE id % 100 = 0");
                break;
            case Situation.ThirtyPercentChanged:
                Execute(connection, "UPDATE items SET body = randomblob(length(body)) WHERE id % 10 < 3");
                break;
            case Situation.OriginGrew:
                InsertRows(connection, 4000, seed: 7);
                break;
            case Situation.OriginShrankAfterVacuum:
                Execute(connection, "DELETE FROM items WHERE id % 2 = 0");
                Execute(connection, "VACUUM");
                break;
        }
    }
}
