using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// The connection that writes a replica, kept open from one of a watch's syncs to the next (between
/// them it holds no transaction and no lock), and whether anything but it committed in between: its
/// pager's data version (SQLITE_FCNTL_DATA_VERSION), read right after our commit, changes with every
/// commit of any other connection, which SQLite notices when our next transaction starts; our own
/// commit is counted before we read it. The path must also still name the file the connection has
/// open. After a failure the connection is closed (that rolls back) and nothing is vouched for.
/// </summary>
internal sealed class KeptConnection : IDisposable
{
    private const int FileControlDataVersion = 35;

    private SqliteDatabase? _connection;
    private FileIdentity? _file;
    private uint? _dataVersion;

    /// <summary>Whether no other connection committed between our last commit and the write lock now held (see <see cref="Locked"/>).</summary>
    public bool UnchangedSinceOurCommit { get; private set; }

    /// <summary>The connection kept for <paramref name="path"/>, if the path still names its file; else null (and it is closed).</summary>
    public SqliteDatabase? For(string path)
    {
        if (_connection is not null && FileIdentity.Of(path) != _file)
        {
            Close();
        }
        return _connection;
    }

    /// <summary>Keeps <paramref name="connection"/>, just opened on <paramref name="path"/>.</summary>
    public void Adopt(SqliteDatabase connection, string path)
    {
        Close();
        _connection = connection;
        _file = FileIdentity.Of(path);
    }

    /// <summary>Called once the write lock is held.</summary>
    public void Locked() => UnchangedSinceOurCommit = _dataVersion is { } version && DataVersion() == version;

    /// <summary>Called right after our commit.</summary>
    public void Committed() => _dataVersion = DataVersion();

    /// <summary>Closes the connection (rolling back what it did not commit); nothing is vouched for any more.</summary>
    public void Close()
    {
        _connection?.Dispose();
        _connection = null;
        _file = null;
        _dataVersion = null;
        UnchangedSinceOurCommit = false;
    }

    public void Dispose() => Close();

    private uint? DataVersion() => _connection?.FileControlUInt32(FileControlDataVersion);
}
