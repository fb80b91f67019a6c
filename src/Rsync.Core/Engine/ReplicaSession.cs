using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Engine.Safety;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Engine;

/// <summary>
/// One sync as the replica's database lives it, whichever protocol carries it, in the order a dialect
/// calls it: <see cref="Open"/> (the path checked, a live database sqlrsync never wrote refused, the
/// write lock taken — or, in a dry run, a read transaction — and sqlrsync's record read under it),
/// hash the pages (and refuse a replica another program changed since the record), write the pages
/// sent, keeping the content digests up to date, and <see cref="Commit"/> (the record first, then the
/// transaction). It knows nothing of messages. Disposing it before the commit rolls back: the replica
/// stays exactly as it was.
/// </summary>
internal sealed class ReplicaSession : IReplicaSession
{
    private readonly ReplicaTarget _target;
    private readonly ReplicaState? _state;
    private readonly SyncRun _run;
    private readonly uint _lockBytePage;
    private readonly KeptReplicaTree? _kept;
    // What the commit leaves for a watch's next sync (kept only then).
    private readonly HashSet<uint> _written = [];
    private HashTree? _tree;
    private uint _treePages;
    private uint? _originPages;
    private bool _cut;
    private long _seed;

    private ReplicaSession(string path, ReplicaTarget target, ReplicaState? state, SyncRun run, KeptReplicaTree? kept)
    {
        Path = path;
        _target = target;
        _state = state;
        _run = run;
        _kept = kept;
        _lockBytePage = LockBytePage.For(target.Info.PageSize);
        Before = new ContentDigest(target.Info.PageSize);
        After = new ContentDigest(target.Info.PageSize);
    }

    /// <summary>The replica's path, as opened (symbolic links followed where allowed).</summary>
    public string Path { get; }

    /// <summary>What the replica holds now, as the origin is told it.</summary>
    public DatabaseInfo Info => _target.Info;

    /// <summary>Its pages as they are; null when it is new (or replaced whole).</summary>
    public IPageScanner? Existing => _target.Existing;

    /// <summary>Whether pages sent are written: false in a dry run.</summary>
    public bool Writes => _target.Writer is not null;

    /// <summary>The replica's content as it is (every page, once hashed).</summary>
    public ContentDigest Before { get; }

    /// <summary>The replica's content as it will be: <see cref="Before"/> with the terms of each page written or cut replaced.</summary>
    public ContentDigest After { get; }

    /// <summary>
    /// Opens <paramref name="path"/> for one sync, before the origin pins its snapshot: an empty or new
    /// file takes <paramref name="origin"/>'s page size, a new one its permission bits (less the umask).
    /// <paramref name="waiting"/> is called when another process holds the write lock, before waiting
    /// for it (up to <paramref name="busyTimeout"/>). <paramref name="kept"/>, a watch's, carries what
    /// one sync leaves to the next, so that the next hashes only the pages this one wrote.
    /// </summary>
    /// <exception cref="SyncException">The path, the guard or --wal-only refuses the replica, or it cannot be opened.</exception>
    public static ReplicaSession Open(string path, OriginFile origin, ReplicaChoices choices, TimeSpan busyTimeout, Action waiting, SyncRun run,
        KeptReplicaTree? kept = null)
    {
        path = PathChecks.Replica(path);
        run.DryRun = choices.DryRun;
        if (File.Exists(path) && !choices.Force && ReplicaState.Read(path) is null)
        {
            ReplicaGuard.RefuseIfInUse(path);
        }
        kept = choices.DryRun ? null : kept;
        var target = ReplicaTarget.Open(path, choices.DryRun, origin, busyTimeout, waiting, kept?.Connection, run.Progress.Cancellation);
        try
        {
            // Read under our lock: a sync that held it before us has recorded what it left.
            var state = target.ReadRecordAndGuard(path, choices.Force);
            if (choices.WalOnly && target.Info.PageCount > 0 && !target.Info.IsWal)
            {
                throw new SyncException(SyncFailure.Incompatible, $"replica {path} is not a WAL database and --wal-only was given");
            }
            run.PageSize = target.Info.PageSize;
            run.ReplicaPageCountBefore = target.Info.PageCount;
            run.ReplacedPageSize = target.Info.ReplacedPageSize;
            return new ReplicaSession(path, target, state, run, kept);
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    /// <summary>The origin's page count says which of our pages the commit cuts off (see <see cref="CutPagesPastOrigin"/>).</summary>
    public void OriginPinned(DatabaseInfo origin)
    {
        _originPages = origin.PageCount;
        CutPagesPastOrigin();
    }

    /// <summary>
    /// Once both the origin's page count and our tree are known (in either order: a replica that sends its levels
    /// unasked hashes before it hears the count), takes the pages the commit cuts off out of <see cref="After"/>:
    /// those the tree covered went into it, those past the tree did not.
    /// </summary>
    private void CutPagesPastOrigin()
    {
        if (_originPages is not { } originPages || _tree is null || _cut)
        {
            return;
        }
        _cut = true;
        uint last = Math.Min(Existing!.PageCount, _treePages);
        if (last > originPages)
        {
            Existing.ScanPages(originPages + 1, last, (pageNumber, data) => After.Remove(pageNumber, PageHasher.Hash(pageNumber, data, _lockBytePage)));
        }
    }

    /// <summary>
    /// Hashes our pages in one scan (split between <paramref name="threads"/> threads) into a tree with
    /// <paramref name="seed"/>, shaped for <paramref name="treePages"/> (the origin's page count, or ours when we send
    /// our levels unasked); every page goes into <see cref="Before"/> (pages past the tree too, read in a second
    /// scan) and those of the tree into <see cref="After"/>, less, once the origin's count is known, those the commit
    /// cuts off. Then refuses a replica changed since the record.
    /// A watch's sync after one of its own, with nothing else committed in between, takes the last
    /// sync's tree and digest instead, and hashes again only the pages that sync wrote.
    /// </summary>
    public HashTree HashTree(uint treePages, long seed, int threads)
    {
        var replica = Existing!;
        _seed = seed;
        _treePages = treePages;
        _run.Progress.Enter(SyncPhase.Hashing, Math.Min(replica.PageCount, treePages));
        if (_kept is not null && _kept.TryTree(replica, treePages, seed, out var kept, out var content))
        {
            Before.Add(content);
            After.Add(Before);
            // The pages past the tree leave what the commit will hold.
            if (replica.PageCount > treePages)
            {
                replica.ScanPages(treePages + 1, replica.PageCount, (pageNumber, data) => After.Remove(pageNumber,
                    PageHasher.Hash(pageNumber, data, _lockBytePage)));
            }
            _run.ReplicaHashing = _run.HashingSoFar;
            RefuseIfChanged();
            _tree = kept;
            CutPagesPastOrigin();
            return kept;
        }
        HashTree tree;
        using (var readers = replica.ForThreads(threads))
        {
            tree = HashTrees.HashTree.Build(HashTreeShape.For(treePages), readers.Scanners, Info.PageSize, _run.Progress.Advance,
                content: Before, seed: seed);
        }
        After.Add(Before);
        if (replica.PageCount > treePages)
        {
            replica.ScanPages(treePages + 1, replica.PageCount, (pageNumber, data) => Before.Add(pageNumber, PageHasher.Hash(pageNumber, data,
                _lockBytePage)));
        }
        _run.ReplicaHashing = _run.HashingSoFar;
        RefuseIfChanged();
        _tree = tree;
        CutPagesPastOrigin();
        return tree;
    }

    /// <summary>
    /// Hashes every page in one scan for a dialect that keeps hashes of its own: each page, with its
    /// leaf, goes to <paramref name="visit"/>, and into <see cref="Before"/> and <see cref="After"/>.
    /// Then refuses a replica changed since the record.
    /// </summary>
    public void HashPages(Action<uint, ReadOnlySpan<byte>, UInt128> visit)
    {
        var replica = Existing!;
        _run.Progress.Enter(SyncPhase.Hashing, replica.PageCount);
        replica.ScanPages(1, replica.PageCount, (pageNumber, data) =>
        {
            var leaf = PageHasher.Hash(pageNumber, data, _lockBytePage);
            Before.Add(pageNumber, leaf);
            visit(pageNumber, data, leaf);
            _run.Progress.Advance(1, data.Length);
        });
        After.Add(Before);
        _run.ReplicaHashing = _run.HashingSoFar;
        RefuseIfChanged();
    }

    /// <summary>
    /// Writes one page, checked by the dialect (a page of the origin's database, never page 0 or the
    /// lock-byte page), replacing its terms in <see cref="After"/>: <paramref name="oldLeaf"/> is the
    /// page's leaf as it was, if the dialect has it (else it is read and hashed).
    /// </summary>
    public void WritePage(uint pageNumber, ReadOnlySpan<byte> data, UInt128? oldLeaf = null)
    {
        try
        {
            if (pageNumber <= Info.PageCount)
            {
                After.Remove(pageNumber, oldLeaf ?? PageHasher.Hash(pageNumber, Existing!.ReadPage(pageNumber), _lockBytePage));
            }
            After.Add(pageNumber, _target.Writer!.WritePage(pageNumber, data));
            _written.Add(pageNumber);
        }
        catch (IOException e)
        {
            throw new SyncException(SyncFailure.DiskFull,
                $"cannot write the replica: {e.Message}; it is unchanged (free some space or fix the disk, then retry)", e);
        }
    }

    /// <summary>
    /// The point of no return, then the commit with <paramref name="pageCount"/> pages: the record of
    /// the content before and after is written durably first, so that whatever a crash leaves, the
    /// next sync recognises it as sqlrsync's own; if the commit fails, the old record is put back.
    /// Pages past <paramref name="pageCount"/> must have left <see cref="After"/> already. A dry run
    /// only passes the point of no return.
    /// </summary>
    public void Commit(uint pageCount)
    {
        _run.Progress.BeginCommit();
        _run.Progress.Enter(SyncPhase.Committing);
        if (_target.Writer is not { } writer)
        {
            return;
        }
        string? before = _target.ContentBefore(() => Before.Value(Info.PageCount));
        string after = After.Value(pageCount);
        RecordReplacement? replacement = null;
        if (before != after || _state is null || !_state.Holds(after))
        {
            try
            {
                var contents = new[] { before, after }.OfType<string>().Distinct().ToList();
                replacement = RecordReplacement.Write(Path, new ReplicaState(contents, DateTimeOffset.UtcNow).Text(), writer.FileMode);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SyncException(SyncFailure.Access,
                    $"cannot record the replica's state in {ReplicaState.FileFor(Path)}: {e.Message}; the replica is unchanged (check that its " +
                    "directory is writable and has space)", e);
            }
        }
        try
        {
            CommitPages(writer, pageCount);
        }
        catch
        {
            replacement?.PutBack();
            throw;
        }
        replacement?.Keep();
        if (_tree is not null)
        {
            _kept?.Committed(_tree, After.Copy(), _written, _seed);
        }
    }

    /// <summary>Rolls back whatever was not committed. Safe to call more than once.</summary>
    /// <exception cref="SyncException">The rollback could not complete: the replica is not as it was.</exception>
    public void Dispose() => _target.Dispose();

    private void RefuseIfChanged()
    {
        if (_state is not null)
        {
            ReplicaGuard.RefuseIfChanged(Path, _state, Before.Value(Info.PageCount));
        }
    }

    private static void CommitPages(IPageWriter writer, uint pageCount)
    {
        try
        {
            writer.Commit(pageCount);
        }
        catch (InvalidOperationException e)
        {
            throw new Protocol.ProtocolException(e.Message);
        }
        catch (IOException e)
        {
            throw new SyncException(SyncFailure.DiskFull,
                $"cannot commit the replica: {e.Message}; it is unchanged (free some space or fix the disk, then retry)", e);
        }
    }
}

/// <summary>What the sync asks of the replica: a dry run, overwriting what the guard would refuse, WAL databases only.</summary>
internal readonly record struct ReplicaChoices(bool DryRun, bool Force, bool WalOnly);
