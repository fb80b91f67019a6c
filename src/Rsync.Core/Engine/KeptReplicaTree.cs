using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;

namespace SqlRsync.Engine;

/// <summary>
/// A database replica's side kept between a watch's cycles (a replica on this machine): the connection
/// that writes it, kept open between syncs (it holds no transaction and no lock between them), and what
/// the last sync left: its tree (with that sync's seed), the digest of the content it committed and the
/// pages it wrote. The next sync trusts them only if nothing but us changed the file since: the
/// connection's pager data version (SQLITE_FCNTL_DATA_VERSION), read right after our commit and again
/// once the next write lock is held, changes with every commit of any other connection (SQLite
/// notices them when the transaction starts), and not otherwise; and the path must still name the file
/// the connection has open. Its tree is then the last one with the pages written hashed again, and its
/// digest the one committed: no other page is read.
/// </summary>
internal sealed class KeptReplicaTree : IDisposable
{
    private const int FileControlDataVersion = 35;

    private SqliteDatabase? _connection;
    private FileIdentity? _file;
    private uint? _dataVersion;
    private bool _unchanged;
    private HashTree? _tree;
    private ContentDigest? _content;
    private long _seed;
    private HashSet<uint> _written = [];

    /// <summary>The connection kept for <paramref name="path"/>, if it still has the file the path names; else null (and it is closed).</summary>
    public SqliteDatabase? ConnectionFor(string path)
    {
        if (_connection is not null && FileIdentity.Of(path) != _file)
        {
            Forget();
        }
        return _connection;
    }

    /// <summary>Keeps <paramref name="connection"/>, just opened on <paramref name="path"/>, for the syncs to come.</summary>
    public void Adopt(SqliteDatabase connection, string path)
    {
        Forget();
        _connection = connection;
        _file = FileIdentity.Of(path);
    }

    /// <summary>Called with the write lock held: whether anyone else committed since our last commit.</summary>
    public void Locked() => _unchanged = _tree is not null && _dataVersion is not null && DataVersion() == _dataVersion;

    /// <summary>
    /// The tree a sync with <paramref name="seed"/> needs, shaped for <paramref name="originPages"/>, of
    /// <paramref name="replica"/> (read under the write lock), and the digest of its content; false when
    /// the last sync's cannot be trusted or do not fit (the caller hashes every page).
    /// </summary>
    public bool TryTree(IPageScanner replica, uint originPages, long seed, out HashTree tree, out ContentDigest content)
    {
        tree = null!;
        content = null!;
        if (!_unchanged || seed != _seed || _tree?.Updated(replica, _written, originPages) is not { } updated)
        {
            return false;
        }
        tree = updated;
        content = _content!;
        return true;
    }

    /// <summary>After our commit: what it left, for the next sync.</summary>
    public void Committed(HashTree tree, ContentDigest content, HashSet<uint> written, long seed)
    {
        _tree = tree;
        _content = content;
        _written = written;
        _seed = seed;
        _dataVersion = DataVersion();
    }

    /// <summary>Closes the connection and forgets the last sync: the next one opens and hashes anew.</summary>
    public void Forget()
    {
        _connection?.Dispose();
        _connection = null;
        _file = null;
        _tree = null;
        _content = null;
        _dataVersion = null;
        _unchanged = false;
    }

    public void Dispose() => Forget();

    private uint? DataVersion() => _connection?.FileControlUInt32(FileControlDataVersion);
}
