using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Platform;

namespace SqlRsync.Engine;

/// <summary>
/// The origin's hash tree kept from one sync to the next (a watch's cycles), with one seed for all of
/// them: each sync hashes again only the pages the WAL frames written since the last one name
/// (<see cref="WalChanges"/>), and every page only when it cannot prove it knows every change: the
/// first sync, a rollback-journal database, a WAL restart it could not account for, another file at
/// the path, a page count that reshaped the tree. Nothing of the origin is held between syncs.
/// </summary>
internal sealed class KeptOriginTree
{
    private readonly WalChanges _wal = new();
    private HashTree? _tree;
    private FileIdentity? _file;
    private FileStamp? _settled;  // the database's, taken in the last snapshot's read transaction, if no write was within a clock tick

    /// <summary>The seed of every tree this keeps, drawn once: replicas compare with it as with any sync's.</summary>
    public long Seed { get; } = OriginSession.NewHashSeed();

    /// <summary>Trees built from every page so far.</summary>
    public int Rescans { get; private set; }

    /// <summary>
    /// The tree of <paramref name="source"/>'s pinned snapshot, with <see cref="Seed"/>, shaped for
    /// <paramref name="treePages"/>, whose pages <paramref name="pages"/> reads (it stays readable while the tree is
    /// asked for children); <paramref name="build"/> builds it from every page.
    /// </summary>
    public HashTree TreeOf(PageSource source, IPageScanner pages, uint treePages, Func<HashTree> build)
    {
        var changed = new HashSet<uint>();
        // A snapshot read from the database file alone holds the file still (no checkpoint writes under
        // it), so a write after it moves the file's stamp, once the tick of the last write before it is past.
        var stamp = FileStamp.Of(source.Path);
        var identity = stamp?.Identity;
        bool unwritten = stamp is not null && stamp == _settled;
        bool proven = _wal.TryCollect(source.IsWal ? source.Wal() : null, changed, unwritten) && identity == _file;
        _file = identity;
        _settled = stamp is { IsSettled: true } ? stamp : null;
        var tree = proven ? _tree?.Updated(pages, changed, treePages) : null;
        if (tree is null)
        {
            Rescans++;
        }
        _tree = tree ?? build();
        return _tree;
    }
}
