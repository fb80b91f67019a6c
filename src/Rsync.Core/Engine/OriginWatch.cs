using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;

namespace SqlRsync.Engine;

/// <summary>
/// Tells whether the origin committed since it was last asked: `PRAGMA data_version` on a connection
/// kept for it (it changes whenever another connection commits), and the identity of the file at the
/// origin's path (a database moved over it is another file, which the watch follows). The query holds
/// its read lock only while it runs: between questions this connection holds no transaction and no
/// lock, so checkpoints proceed. It never writes, and never checkpoints when it closes.
/// </summary>
internal sealed class OriginWatch : IDisposable
{
    private readonly string _path;
    private SqliteDatabase? _database;
    // Prepared once: preparing it at every poll was most of an idle watch's CPU.
    private SqliteStatement? _dataVersionQuery;
    private FileIdentity? _identity;
    private long _dataVersion;

    public OriginWatch(string path)
    {
        _path = path;
    }

    /// <summary>What was seen since the last question.</summary>
    public enum Change
    {
        /// <summary>Nothing committed.</summary>
        None,

        /// <summary>Another connection committed (or it could not tell: a writer held a lock that the question needed).</summary>
        Committed,

        /// <summary>The path names another file than before (or the first file, or none any more).</summary>
        Replaced,
    }

    /// <summary>Whether the origin changed since the last call; the first call says <see cref="Change.Replaced"/> when the file exists.</summary>
    public Change Poll()
    {
        var identity = FileIdentity.Of(_path);
        if (identity != _identity)
        {
            _identity = identity;
            Close();
            Open();
            return Change.Replaced;
        }
        if (_database is null)
        {
            return identity is not null && Open() ? Change.Committed : Change.None;
        }
        try
        {
            long version = DataVersion();
            if (version == _dataVersion)
            {
                return Change.None;
            }
            _dataVersion = version;
            return Change.Committed;
        }
        catch (SqliteCallException)
        {
            // A writer's lock (rollback-journal mode) or a file being swapped: ask again at the next poll, and sync meanwhile.
            return Change.Committed;
        }
    }

    public void Dispose() => Close();

    /// <summary>Opens the connection this watch keeps; false when the file is missing or no database.</summary>
    private bool Open()
    {
        if (_identity is null)
        {
            return false;
        }
        try
        {
            _database = SqliteDatabase.Open(_path, create: false);
            _database.SetConfig(SqliteNative.DbConfigNoCheckpointOnClose, true);
            _database.Execute("PRAGMA query_only = 1");
            _dataVersionQuery = _database.Prepare("PRAGMA data_version");
            _dataVersion = DataVersion();
            return true;
        }
        catch (SqliteCallException)
        {
            Close();
            return false;
        }
    }

    /// <summary>The data version, the statement reset at once so that it holds no read lock.</summary>
    private long DataVersion()
    {
        try
        {
            return _dataVersionQuery!.Step() ? _dataVersionQuery.ColumnInt64(0) : throw new SqliteCallException("PRAGMA data_version returned no row",
                SqliteNative.Error);
        }
        finally
        {
            _dataVersionQuery!.Reset();
        }
    }

    private void Close()
    {
        _dataVersionQuery?.Dispose();
        _dataVersionQuery = null;
        _database?.Dispose();
        _database = null;
    }
}
