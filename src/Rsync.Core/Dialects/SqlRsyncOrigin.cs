using SqlRsync.Engine;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Dialects;

/// <summary>
/// The origin's half of a sync, read top to bottom: say hello, wait until the replica holds its write
/// lock, pin a snapshot, compare hash trees level by level, send the pages that differ, release the
/// snapshot, and wait for the commit. It only ever reads the origin; every list of mismatches lives in
/// this process's memory. The snapshot is held only while pages are read: in rollback-journal mode it
/// blocks the origin's writers, so it is never held while the replica waits for its own lock or readers.
/// </summary>
internal static class SqlRsyncOrigin
{
    /// <summary>Runs the origin's side of one sync over a pair of streams.</summary>
    public static SyncResult Run(string originPath, Stream input, Stream output, SyncOptions options, ProgressTracker progress) =>
        Run(originPath, new SqlRsyncConversation(input, output, Role.Origin), options, progress);

    /// <summary>Runs the origin's side of one sync over <paramref name="peer"/> (which a directory session shares between databases).</summary>
    public static SyncResult Run(string originPath, SqlRsyncConversation peer, SyncOptions options, ProgressTracker progress) =>
        Run(originPath, () => OriginSession.Open(PathChecks.Origin(originPath), options.BusyTimeout), peer, options, progress);

    /// <summary>
    /// Runs the origin's side of one sync from the origin <paramref name="open"/> opens (a database, or
    /// a snapshot of an archive), named <paramref name="name"/> in messages.
    /// </summary>
    public static SyncResult Run(string name, Func<IOriginSession> open, SqlRsyncConversation peer, SyncOptions options, ProgressTracker progress)
    {
        IOriginSession? origin = null;
        return peer.Run(name, options.BusyTimeout, () =>
        {
            origin = open();
            var run = new SyncRun(progress);
            Sync(origin, peer, options, run);
            run.OriginPagesRead = origin.PagesRead;
            return peer.ResultOf(run);
        }, undo: () =>
        {
            origin?.Dispose();
            origin = null;
        });
    }

    private static void Sync(IOriginSession origin, SqlRsyncConversation peer, SyncOptions options, SyncRun run)
    {
        var file = new OriginFile(origin.AnnouncedPageSize, origin.FileMode, origin.HashSeed);
        var (agreed, replica) = Greet(peer, file, options, run);
        origin.Pin(file.PageSize, options.WalOnly);
        var pages = origin.Pages;
        SendSnapshotInfo(new DatabaseInfo(origin.PageSize, pages.PageCount, origin.IsWal), peer, run);
        HashTree? tree = null;
        if (replica.PageCount > 0)
        {
            tree = origin.HashTree(TreePages(peer, replica, pages.PageCount), SeedFor(file, replica), options.HashThreadsFor(pages.PageCount),
                run.Progress);
            run.OriginHashing = run.HashingSoFar;
        }
        CompareAndSend(pages, origin.PageSize, tree, peer, agreed, run, releaseSnapshot: origin.Release);
    }

    /// <summary>
    /// The page count both trees are shaped for: the replica's own when it sends its levels unasked (it cannot wait
    /// for ours), else ours.
    /// </summary>
    internal static uint TreePages(SqlRsyncConversation peer, DatabaseInfo replica, uint originPageCount) =>
        peer.EagerHashes ? replica.PageCount : originPageCount;

    /// <summary>
    /// Hellos (ours carries the page size and the file's permission bits, so that a replica with an
    /// empty or new file can take them before it takes its lock), then the replica's info, which it
    /// sends once it holds its write lock: only then may the snapshot be pinned. The replica checks the
    /// peer's --wal-only itself.
    /// </summary>
    internal static (OptionFlags Agreed, DatabaseInfo Replica) Greet(SqlRsyncConversation peer, OriginFile file, SyncOptions options, SyncRun run)
    {
        var agreed = peer.ExchangeHello(options, then: file.WriteTo);
        run.DryRun = agreed.HasFlag(OptionFlags.DryRun);
        if (peer.Reader.PeekType() == MessageType.ReplicaWaiting)
        {
            ReplicaWaiting.Parse(peer.Expect(MessageType.ReplicaWaiting).Span);
            run.Progress.Enter(SyncPhase.Waiting);
        }
        var replica = DatabaseInfo.Parse(peer.Expect(MessageType.ReplicaInfo).Span, MessageType.ReplicaInfo);
        run.RoundTrips = 1;
        run.ReplicaPageCountBefore = replica.PageCount;
        run.ReplacedPageSize = replica.ReplacedPageSize;
        return (agreed, replica);
    }

    /// <summary>The seed to hash our tree with for <paramref name="replica"/>: ours, unless its stored hashes have one of their own (an archive).</summary>
    internal static long SeedFor(OriginFile file, DatabaseInfo replica) => replica.HashSeed != 0 ? replica.HashSeed : file.HashSeed;

    /// <summary>OriginInfo: the pinned snapshot's page size, page count and journal mode.</summary>
    internal static void SendSnapshotInfo(DatabaseInfo snapshot, SqlRsyncConversation peer, SyncRun run)
    {
        snapshot.WriteTo(peer.Writer, MessageType.OriginInfo);
        peer.Writer.Flush();
        run.PageSize = snapshot.PageSize;
        run.OriginPageCount = snapshot.PageCount;
    }

    /// <summary>
    /// From the snapshot's info on: compares the trees (when the replica has pages: <paramref name="tree"/>
    /// is not null), sends the pages that differ, calls <paramref name="releaseSnapshot"/> once the last
    /// has left, and waits for the commit.
    /// </summary>
    internal static void CompareAndSend(IPageScanner pages, int pageSize, HashTree? tree, SqlRsyncConversation peer, OptionFlags agreed, SyncRun run,
        Action releaseSnapshot)
    {
        var progress = run.Progress;
        List<uint>? different = null;  // null: every page, as the replica has nothing to compare with
        HashTreeWalk? walk = null;
        if (tree is not null)
        {
            progress.Enter(SyncPhase.Comparing);
            walk = new HashTreeWalk(tree, peer, run);
            bool eager = peer.EagerHashes;
            int blockPages = eager && agreed.HasFlag(OptionFlags.Delta) && !run.DryRun ? ProtocolLimits.PagesPerBlockRequest : 0;
            different = walk.DifferentPages(eager, pages.PageCount, blockPages);
            // A tree shaped for the replica's pages leaves out ours past them: they all go.
            different.AddRange(PagesPast(tree.Shape.PageCount, pages.PageCount, pageSize));
        }

        uint lockBytePage = LockBytePage.For(pageSize);
        run.PagesSent = (uint?)different?.Count ?? pages.PageCount - (lockBytePage <= pages.PageCount ? 1u : 0u);
        new SendPlan(run.PagesSent, run.OriginHashing).WriteTo(peer.Writer);
        progress.Enter(SyncPhase.Sending, run.DryRun ? 0 : run.PagesSent);
        var sender = new PageSender(peer, pageSize, agreed, run);
        if (run.DryRun)
        {
            run.PageBytesRaw = (long)run.PagesSent * pageSize;
        }
        else
        {
            sender.Send(pages, different, walk?.Blocks);
        }
        // Once Done leaves, the replica may commit: from here on the sync is finished, not cancelled.
        progress.BeginCommit();
        new Done(pages.PageCount, sender.Digest.Pages, sender.Digest.Value).WriteTo(peer.Writer);
        peer.Writer.Flush();
        // Every page has left: the replica's commit (which may wait for its readers) must not hold up our writers.
        releaseSnapshot();
        progress.Enter(SyncPhase.Committing);
        // Levels the replica sent unasked and the comparison did not need stand before its Committed.
        walk?.DrainUnread();
        run.ReplicaHashing = AwaitCommit(peer);
        run.RoundTrips++;
        progress.Enter(SyncPhase.Finished);
    }

    /// <summary>The replica's Committed; a connection lost now leaves the replica old or new, and the message says so.</summary>
    private static HashingFigures AwaitCommit(SqlRsyncConversation peer)
    {
        try
        {
            return Committed.Parse(peer.Expect(MessageType.Committed).Span).ReplicaHashing;
        }
        catch (Exception e) when (e is IOException or ProtocolException)
        {
            throw new SyncException(SyncFailure.ConnectionLost,
                "the connection was lost while the replica committed: it holds either its old content or the new one, whole (run the sync again " +
                    $"to know which): {e.Message}", e);
        }
    }

    /// <summary>Our pages after <paramref name="treePages"/> up to <paramref name="originPageCount"/>, but the lock-byte page.</summary>
    private static IEnumerable<uint> PagesPast(uint treePages, uint originPageCount, int pageSize)
    {
        uint lockBytePage = LockBytePage.For(pageSize);
        for (ulong page = (ulong)treePages + 1; page <= originPageCount; page++)
        {
            if (page != lockBytePage)
            {
                yield return (uint)page;
            }
        }
    }
}
