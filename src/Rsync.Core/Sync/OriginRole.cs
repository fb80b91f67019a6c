using System.Runtime.InteropServices;
using Rsync.Core.Pages;
using Rsync.Protocol;
using Rsync.Protocol.Messages;

namespace Rsync.Core.Sync;

/// <summary>
/// The origin's half of a sync, read top to bottom: say hello, wait until the replica holds its write
/// lock, pin a snapshot, compare hash trees level by level, send the pages that differ, release the
/// snapshot, and wait for the commit. It only ever reads the origin; every list of mismatches lives in
/// this process's memory. The snapshot is held only while pages are read: in rollback-journal mode it
/// blocks the origin's writers, so it is never held while the replica waits for its own lock or readers.
/// </summary>
public static class OriginRole
{
    /// <summary>Runs the origin's side; <paramref name="progress"/>, if given, shows where it is.</summary>
    public static SyncResult Run(string originPath, Stream input, Stream output, SyncSettings settings, SyncProgress? progress = null)
    {
        progress ??= new SyncProgress();
        var peer = new PeerConnection(input, output, Role.Origin);
        PageSource? source = null;
        try
        {
            source = PageSource.Open(originPath, settings.BusyTimeout);
            return Sync(source, peer, settings, progress);
        }
        catch (Exception e)
        {
            var failure = peer.Fail(e, originPath, settings.BusyTimeout);
            if (failure == e)
            {
                throw;
            }
            throw failure;
        }
        finally
        {
            source?.Dispose();
        }
    }

    private static SyncResult Sync(PageSource source, PeerConnection peer, SyncSettings settings, SyncProgress progress)
    {
        // The page size goes out with our hello, so that a replica with an empty file can set it
        // before it takes its lock; the replica checks the peer's --wal-only itself.
        int pageSize = source.ReadPageSize();
        var options = peer.ExchangeHello(settings, then: writer => OriginPageSize.Write(writer, pageSize));
        bool dryRun = options.HasFlag(SyncOptions.DryRun);

        // The replica sends its info once it holds its write lock: only now is the snapshot pinned.
        var replica = DatabaseInfo.Parse(peer.Expect(MessageType.ReplicaInfo).Span, MessageType.ReplicaInfo);
        source.PinSnapshot();
        if (source.PageCount == 0)
        {
            throw new SyncException($"origin {source.Path} is empty (0 pages): there is nothing to copy");
        }
        if (settings.WalOnly && !source.IsWal)
        {
            throw new SyncException($"origin {source.Path} is not a WAL database and --wal-only was given");
        }
        if (source.PageSize != pageSize)
        {
            throw new SyncException($"origin {source.Path} changed its page size from {pageSize} to {source.PageSize} bytes while the sync started (a VACUUM); run it again");
        }
        new DatabaseInfo(source.PageSize, source.PageCount, source.IsWal).WriteTo(peer.Writer, MessageType.OriginInfo);
        peer.Writer.Flush();

        int roundTrips = 1;  // the wait for ReplicaInfo
        List<uint>? pages = null;  // null: every page, as the replica has nothing to compare with
        var hashing = default(HashingFigures);
        if (replica.PageCount > 0)
        {
            // The replica hashes its pages at the same time, on its own core; we wait for its top level.
            roundTrips++;
            progress.Enter(SyncPhase.Hashing, source.PageCount);
            var tree = HashTree.Build(HashTreeShape.For(source.PageCount), source, source.PageSize, progress);
            hashing = HashingFigures.From(progress.PhaseElapsed, progress.Bytes);
            progress.Enter(SyncPhase.Comparing);
            pages = FindDifferentPages(tree, peer, ref roundTrips);
        }

        uint lockBytePage = LockBytePage.For(source.PageSize);
        uint pageCount = (uint?)pages?.Count ?? source.PageCount - (lockBytePage <= source.PageCount ? 1u : 0u);
        new SendPlan(pageCount, hashing).WriteTo(peer.Writer);
        progress.Enter(SyncPhase.Sending, dryRun ? 0 : pageCount);
        var digest = new PageStreamDigest();
        var (rawBytes, wireBytes) = dryRun
            ? ((long)pageCount * source.PageSize, 0L)
            : SendPages(source, peer.Writer, pages, options.HasFlag(SyncOptions.Compress), digest, progress);
        new DoneMessage(source.PageCount, digest.Pages, digest.Value).WriteTo(peer.Writer);
        peer.Writer.Flush();
        // Every page has left: the replica's commit (which may wait for its readers) must not hold up our writers.
        source.ReleaseSnapshot();
        progress.Enter(SyncPhase.Committing);
        var replicaHashing = HashingFigures.ParseCommitted(peer.Expect(MessageType.Committed).Span);
        roundTrips++;
        progress.Enter(SyncPhase.Finished);

        return new SyncResult
        {
            PageSize = source.PageSize,
            OriginPageCount = source.PageCount,
            ReplicaPageCountBefore = replica.PageCount,
            DryRun = dryRun,
            PagesSent = pageCount,
            PageBytesRaw = rawBytes,
            PageBytesOnWire = wireBytes,
            BytesWritten = peer.Writer.BytesWritten,
            BytesRead = peer.Reader.BytesRead,
            RoundTrips = roundTrips,
            Phases = PhaseTimes.From(progress),
            OriginHashing = hashing,
            ReplicaHashing = replicaHashing,
        };
    }

    /// <summary>Walks both hash trees top-down, asking the replica only for children of nodes that differ.</summary>
    private static List<uint> FindDifferentPages(HashTree tree, PeerConnection peer, ref int roundTrips)
    {
        var shape = tree.Shape;
        int level = shape.TopLevel;
        var theirs = LevelMessages.ReadHashes(peer.Reader, (byte)level, (int)shape.NodeCount(level));
        var different = new List<uint>();
        var ours = tree.TopLevel;
        for (int node = 0; node < ours.Length; node++)
        {
            if (ours[node] != theirs[node])
            {
                different.Add((uint)node);
            }
        }

        for (; level > 0 && different.Count > 0; level--)
        {
            LevelMessages.WriteNodeRequest(peer.Writer, (byte)level, CollectionsMarshal.AsSpan(different));
            peer.Writer.Flush();
            // The replica hashes the same children meanwhile.
            var ourChildren = tree.ChildHashes(level, different);
            theirs = LevelMessages.ReadHashes(peer.Reader, (byte)(level - 1), ourChildren.Length);
            roundTrips++;

            var differentBelow = new List<uint>();
            int next = 0;
            foreach (var node in different)
            {
                var (first, count) = shape.Children(level, node);
                for (uint child = first; child < first + count; child++, next++)
                {
                    if (ourChildren[next] != theirs[next])
                    {
                        differentBelow.Add(child);
                    }
                }
            }
            different = differentBelow;
        }
        // Level 0 node n is page n + 1.
        return different.ConvertAll(node => node + 1);
    }

    /// <summary>Sends <paramref name="pages"/> (ascending), or every page when it is null.</summary>
    private static (long Raw, long Wire) SendPages(PageSource source, FrameWriter writer, List<uint>? pages, bool compress, PageStreamDigest digest, SyncProgress progress)
    {
        uint lockBytePage = LockBytePage.For(source.PageSize);
        var compressed = new byte[source.PageSize];
        var compression = new AdaptiveCompression(compress);
        long raw = 0, wire = 0;
        void Send(uint pageNumber, ReadOnlySpan<byte> data)
        {
            if (pageNumber == lockBytePage)
            {
                return;
            }
            raw += data.Length;
            digest.Add(pageNumber, data);
            bool tried = compression.ShouldTry();
            if (tried && PageCompression.TryCompress(data, compressed, out int length))
            {
                compression.Record(data.Length, length);
                PageMessage.Write(writer, pageNumber, PageEncoding.Brotli, compressed.AsSpan(0, length));
                wire += length;
            }
            else
            {
                if (tried)
                {
                    compression.Record(data.Length, data.Length);
                }
                PageMessage.Write(writer, pageNumber, PageEncoding.Raw, data);
                wire += data.Length;
            }
            progress.Advance(1, data.Length);
        }

        if (pages is null)
        {
            source.ScanPages(1, source.PageCount, Send);
        }
        else
        {
            SelectedPages.Read(source, pages, Send);
        }
        return (raw, wire);
    }
}
