using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;

namespace SqlRsync.Engine;

/// <summary>
/// A database replica's side kept between a watch's cycles (a replica on this machine): the connection
/// that writes it (<see cref="KeptConnection"/>), and what the last sync left: its tree (with that
/// sync's seed), the digest of the content it committed and the pages it wrote. The next sync takes
/// them only if nothing but us committed to the file since; its tree is then the last one with the
/// pages written hashed again, and its digest the one committed: no other page is read.
/// </summary>
internal sealed class KeptReplicaTree : IDisposable
{
    private HashTree? _tree;
    private ContentDigest? _content;
    private long _seed;
    private HashSet<uint> _written = [];

    public KeptConnection Connection { get; } = new();

    /// <summary>
    /// The tree a sync with <paramref name="seed"/> needs, shaped for <paramref name="treePages"/>, of
    /// <paramref name="replica"/> (read under the write lock), and the digest of its content; false when
    /// the last sync's cannot be trusted or do not fit (the caller hashes every page).
    /// </summary>
    public bool TryTree(IPageScanner replica, uint treePages, long seed, out HashTree tree, out ContentDigest content)
    {
        tree = null!;
        content = null!;
        if (!Connection.UnchangedSinceOurCommit || seed != _seed || _tree?.Updated(replica, _written, treePages) is not { } updated)
        {
            return false;
        }
        tree = updated;
        content = _content!;
        return true;
    }

    /// <summary>Right after our commit: what it left, for the next sync.</summary>
    public void Committed(HashTree tree, ContentDigest content, HashSet<uint> written, long seed)
    {
        _tree = tree;
        _content = content;
        _written = written;
        _seed = seed;
        Connection.Committed();
    }

    public void Dispose() => Connection.Dispose();
}
