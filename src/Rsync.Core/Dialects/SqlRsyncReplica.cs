using SqlRsync.Engine;
using SqlRsync.Engine.Compression;
using SqlRsync.Engine.Deltas;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Engine.Safety;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Dialects;

/// <summary>Opens the replica of one sync once the origin's file is known (see <see cref="IReplicaSession"/>).</summary>
internal delegate IReplicaSession ReplicaOpener(OriginFile origin, ReplicaChoices choices, Action waiting, SyncRun run);

/// <summary>
/// The replica's half of a sync, read top to bottom: say hello, learn the origin's page size, take
/// the replica's write lock (before the origin pins its snapshot), learn the origin's snapshot, hash
/// our pages and answer the origin's questions about them, write the pages it is sent, and commit
/// once the origin says it is done. Any failure before the commit rolls back: the replica stays
/// exactly as it was. Every frame is checked before anything is written. In a dry run the replica is
/// only read, inside a read transaction, and nothing is written or created.
/// Unless the user forces it, a replica that looks like a live database (another process has it open
/// and sqlrsync has no record of it) or that another program changed since sqlrsync last wrote it is
/// refused before anything is written (<see cref="ReplicaGuard"/>).
/// </summary>
internal static class SqlRsyncReplica
{
    /// <summary>Runs the replica's side of one sync over a pair of streams (<paramref name="kept"/>: see <see cref="KeptReplicaTree"/>).</summary>
    public static SyncResult Run(string replicaPath, Stream input, Stream output, SyncOptions options, ProgressTracker progress,
        KeptReplicaTree? kept = null) =>
        Run(replicaPath, new SqlRsyncConversation(input, output, Role.Replica), options, progress, kept);

    /// <summary>Runs the replica's side of one sync over <paramref name="peer"/> (which a directory session shares between databases).</summary>
    public static SyncResult Run(string replicaPath, SqlRsyncConversation peer, SyncOptions options, ProgressTracker progress,
        KeptReplicaTree? kept = null) =>
        Run(replicaPath, (originFile, choices, waiting, run) => ReplicaSession.Open(replicaPath, originFile, choices, options.BusyTimeout, waiting, run,
            kept), peer, options, progress);

    /// <summary>
    /// Runs the replica's side of one sync into the replica <paramref name="open"/> opens (a database,
    /// or an archive that takes a snapshot), named <paramref name="name"/> in messages.
    /// </summary>
    public static SyncResult Run(string name, ReplicaOpener open, SqlRsyncConversation peer, SyncOptions options, ProgressTracker progress)
    {
        var run = new SyncRun(progress);
        IReplicaSession? replica = null;
        return peer.Run(name, options.BusyTimeout, () =>
        {
            var agreed = peer.ExchangeHello(options);
            var originFile = OriginFile.Parse(peer.Expect(MessageType.OriginFile).Span);
            // Our write lock (or, in a dry run, our read transaction) comes first: the origin pins its
            // snapshot only once it has our info, so it never holds it while we wait for the lock.
            var choices = new ReplicaChoices(agreed.HasFlag(OptionFlags.DryRun), agreed.HasFlag(OptionFlags.Force), agreed.HasFlag(OptionFlags.WalOnly));
            replica = open(originFile, choices, waiting: () =>
            {
                progress.Enter(SyncPhase.Waiting);
                if (peer.PeerCapabilities.HasFlag(Capabilities.WaitNotice))
                {
                    ReplicaWaiting.WriteTo(peer.Writer);
                    peer.Writer.Flush();
                }
            }, run);
            var info = replica.Info;
            info.WriteTo(peer.Writer, MessageType.ReplicaInfo);
            peer.Writer.Flush();
            long seed = info.HashSeed != 0 ? info.HashSeed : originFile.HashSeed;
            int threads = options.HashThreadsFor(info.PageCount, replica: true);
            // Our levels go unasked, shaped for our own page count, while the origin pins its snapshot and hashes.
            var tree = peer.EagerHashes && info.PageCount > 0 ? replica.HashTree(info.PageCount, seed, threads) : null;
            int level = tree is null ? 0 : SendUnaskedLevels(tree, peer, run);

            var origin = DatabaseInfo.Parse(peer.Expect(MessageType.OriginInfo).Span, MessageType.OriginInfo);
            run.RoundTrips = 1;
            CheckCompatible(info, origin, agreed);
            replica.OriginPinned(origin);
            run.OriginPageCount = origin.PageCount;
            var deltas = new DeltaExpectations();
            if (!peer.EagerHashes && info.PageCount > 0)
            {
                tree = replica.HashTree(origin.PageCount, seed, threads);
                level = SendTopLevel(tree, peer, run);
            }
            if (tree is not null)
            {
                AnswerHashQuestions(tree, level, replica, origin.PageCount, agreed.HasFlag(OptionFlags.Delta), peer, run, deltas);
            }
            var plan = SendPlan.Parse(peer.Expect(MessageType.SendPlan).Span, origin.PageCount);
            run.PagesSent = plan.Pages;
            run.OriginHashing = plan.OriginHashing;
            ReceivePages(replica, origin.PageCount, agreed.HasFlag(OptionFlags.Delta), peer, run, deltas);
            // The point of no return: cancelled before it, the replica rolls back; after it, it commits.
            replica.Commit(origin.PageCount);
            if (!replica.Writes)
            {
                run.PageBytesRaw = (long)plan.Pages * info.PageSize;
            }

            new Committed(run.ReplicaHashing).WriteTo(peer.Writer);
            peer.Writer.Flush();
            run.RoundTrips++;
            progress.Enter(SyncPhase.Finished);
            return peer.ResultOf(run);
        }, undo: () =>
        {
            // After a failure this rolls back, before the origin hears of it.
            replica?.Dispose();
            replica = null;
        });
    }

    private static void CheckCompatible(DatabaseInfo replica, DatabaseInfo origin, OptionFlags agreed)
    {
        if (origin.PageCount == 0)
        {
            throw new ProtocolException("the origin announces 0 pages");
        }
        if (agreed.HasFlag(OptionFlags.WalOnly) && !origin.IsWal)
        {
            throw new SyncException(SyncFailure.Incompatible, "the origin is not a WAL database and --wal-only was given");
        }
        if (replica.PageSize != origin.PageSize)
        {
            // Our file has, or was rebuilt to take, the page size the origin announced with its hello.
            throw new ProtocolException($"the origin announced pages of {replica.PageSize} bytes, then of {origin.PageSize}");
        }
    }

    /// <summary>Today's order: the top level, once OriginInfo has said the tree's shape. Returns the lowest level sent.</summary>
    private static int SendTopLevel(HashTree tree, SqlRsyncConversation peer, SyncRun run)
    {
        run.Progress.Enter(SyncPhase.Comparing);
        int level = tree.Shape.TopLevel;
        LevelMessages.WriteHashes(peer.Writer, (byte)level, tree.TopLevel);
        peer.Writer.Flush();
        run.RoundTrips++;
        run.CountHashes(tree.TopLevel.Length);
        return level;
    }

    /// <summary>The levels an origin that reads them so gets unasked (<see cref="EagerLevels"/>). Returns the lowest level sent.</summary>
    private static int SendUnaskedLevels(HashTree tree, SqlRsyncConversation peer, SyncRun run)
    {
        run.Progress.Enter(SyncPhase.Comparing);
        var shape = tree.Shape;
        int bottom = EagerLevels.Bottom(shape);
        LevelMessages.WriteHashes(peer.Writer, (byte)shape.TopLevel, tree.TopLevel);
        run.CountHashes(tree.TopLevel.Length);
        for (int level = shape.TopLevel - 1; level >= bottom; level--)
        {
            var nodes = tree.Level(level);
            LevelMessages.WriteHashes(peer.Writer, (byte)level, nodes);
            run.CountHashes(nodes.Length);
        }
        peer.Writer.Flush();
        return bottom;
    }

    /// <summary>
    /// Sends the children of each node the origin asks about, level by level below <paramref name="level"/>, the
    /// lowest it has; a leaf check, at level 1 only, ends the questions.
    /// </summary>
    private static void AnswerHashQuestions(HashTree tree, int level, IReplicaSession replica, uint originPageCount, bool deltas,
        SqlRsyncConversation peer, SyncRun run, DeltaExpectations expected)
    {
        var shape = tree.Shape;
        while (peer.Reader.PeekType() is MessageType.NodeRequest or MessageType.NodeRequestEnd or MessageType.LeafCheck)
        {
            if (level == 0)
            {
                throw new ProtocolException("the origin asks for children of pages");
            }
            if (peer.Reader.PeekType() == MessageType.LeafCheck)
            {
                if (!peer.EagerHashes || level != 1)
                {
                    throw new ProtocolException(
                        $"the origin sends a leaf check at level {level}, which only follows level 1 of a replica that sends its levels unasked");
                }
                AnswerLeafCheck(tree, replica, originPageCount, deltas, peer, expected);
                run.RoundTrips++;
                return;
            }
            var nodes = LevelMessages.ReadNodeRequest(peer.Reader, (byte)level, shape.NodeCount(level));
            var children = tree.ChildHashes(level, nodes);
            LevelMessages.WriteHashes(peer.Writer, (byte)(level - 1), children);
            peer.Writer.Flush();
            run.RoundTrips++;
            run.CountHashes(children.Length);
            level--;
        }
    }

    /// <summary>
    /// Reads a whole leaf check, compares the origin's page hashes with ours, and sends the pages that differ (none past
    /// the origin's last page, where the commit cuts, nor the lock-byte page), then the block hashes of the first
    /// of them as asked; those pages may then come as deltas.
    /// </summary>
    private static void AnswerLeafCheck(HashTree tree, IReplicaSession replica, uint originPageCount, bool deltas, SqlRsyncConversation peer,
        DeltaExpectations expected)
    {
        var nodes = LeafCheckMessages.ReadNodes(peer.Reader, tree.Shape.NodeCount(1));
        // Our own hashes, so the work follows our pages, not the origin's word.
        var ours = tree.ChildHashes(1, nodes);
        var (differing, seed, blockPages) = LeafCheckMessages.ReadLeaves(peer.Reader, ours);
        if (blockPages > 0 && (!replica.Writes || !deltas))
        {
            throw new ProtocolException("the origin asks for block hashes, which only a sync with the delta option does");
        }
        uint lockBytePage = LockBytePage.For(replica.Info.PageSize);
        var pages = new List<uint>();
        int at = 0;
        int next = 0;
        foreach (var node in nodes)
        {
            var (first, count) = tree.Shape.Children(1, node);
            for (int child = 0; child < count; child++, at++)
            {
                if (next < differing.Count && differing[next] == at)
                {
                    next++;
                    uint page = first + (uint)child + 1;
                    if (page <= originPageCount && page != lockBytePage)
                    {
                        pages.Add(page);
                    }
                }
            }
        }
        LeafCheckMessages.WriteDifferentPages(peer.Writer, pages);
        var withBlocks = pages.GetRange(0, Math.Min(blockPages, pages.Count));
        SendBlockHashes(replica.Existing!, withBlocks, seed, peer);
        expected.Asked(withBlocks, withBlocks.Count > 0 ? withBlocks[^1] : 0);
    }

    /// <summary>
    /// Writes the planned Page and PageDelta frames, checking each before it is written — the one
    /// place a page number or length from the peer is checked — until Done, and checks Done; answers
    /// the origin's block requests on the way. In a dry run no page may come.
    /// </summary>
    private static void ReceivePages(IReplicaSession replica, uint originPageCount, bool deltas, SqlRsyncConversation peer, SyncRun run,
        DeltaExpectations expected)
    {
        int pageSize = replica.Info.PageSize;
        uint expectedPages = replica.Writes ? run.PagesSent : 0;
        run.Progress.Enter(SyncPhase.Sending, expectedPages);
        uint lockBytePage = LockBytePage.For(pageSize);
        var page = new byte[pageSize];
        var blocks = new byte[pageSize];
        var digest = new PageStreamDigest();
        var awaitingDelta = expected.AwaitingDelta;
        uint highestPage = expected.HighestAsked;  // of the pages received and asked about: a block request must name only pages above it
        for (var next = peer.Reader.PeekType();
             next is MessageType.Page or MessageType.PageDelta or MessageType.BlockRequest or MessageType.BlockRequestEnd;
             next = peer.Reader.PeekType())
        {
            if (next is MessageType.BlockRequest or MessageType.BlockRequestEnd)
            {
                if (!replica.Writes || !deltas)
                {
                    throw new ProtocolException("the origin asks for block hashes, which only a sync with the delta option does");
                }
                highestPage = AnswerBlockRequest(replica.Existing!, highestPage, Math.Min(replica.Info.PageCount, originPageCount), lockBytePage,
                    peer, awaitingDelta);
                run.RoundTrips++;
                continue;
            }
            var (type, payload) = peer.Reader.Read();
            uint pageNumber;
            uint mask = 0;
            PageEncoding encoding;
            ReadOnlySpan<byte> body;
            if (type == MessageType.Page)
            {
                var whole = Page.Parse(payload.Span);
                pageNumber = whole.PageNumber;
                encoding = whole.Encoding;
                body = whole.Body;
                awaitingDelta.Remove(pageNumber);
            }
            else
            {
                var delta = PageDelta.Parse(payload.Span);
                pageNumber = delta.PageNumber;
                mask = delta.Mask;
                encoding = delta.Encoding;
                body = delta.Blocks;
                if (!awaitingDelta.Remove(pageNumber))
                {
                    throw new ProtocolException($"the origin sent a delta of page {pageNumber}, whose blocks it did not ask for");
                }
            }
            if (!replica.Writes || digest.Pages == expectedPages)
            {
                throw new ProtocolException($"the origin sent more than the {expectedPages} pages it planned");
            }
            if (pageNumber == 0 || pageNumber > originPageCount || pageNumber == lockBytePage)
            {
                throw new ProtocolException($"the origin sent page {pageNumber}, which is not a page of its {originPageCount}-page database");
            }
            highestPage = Math.Max(highestPage, pageNumber);
            ReadOnlySpan<byte> data;
            UInt128? oldLeaf = null;
            if (type == MessageType.PageDelta)
            {
                var old = replica.Existing!.ReadPage(pageNumber);
                oldLeaf = PageHasher.Hash(pageNumber, old, lockBytePage);
                old.CopyTo(page);
                PageBlocks.Apply(page, mask, Decode(pageNumber, encoding, body, blocks.AsSpan(0, PageDelta.BlocksLength(mask, pageSize))));
                data = page;
            }
            else
            {
                data = Decode(pageNumber, encoding, body, page);
            }
            digest.Add(pageNumber, data);
            replica.WritePage(pageNumber, data, oldLeaf);
            run.PageBytesRaw += data.Length;
            run.PageBytesOnWire += body.Length;
            run.Progress.Advance(1, body.Length);
        }

        var done = Done.Parse(peer.Expect(MessageType.Done).Span);
        if (done.PageCount != originPageCount || done.PagesSent != digest.Pages || digest.Pages != expectedPages || done.Digest != digest.Value)
        {
            throw new ProtocolException($"the page stream does not match the origin's digest ({digest.Pages} pages received, {done.PagesSent} " +
                "sent): nothing was committed");
        }
    }

    /// <summary>
    /// <paramref name="body"/> as the <paramref name="expected"/> bytes it must come to: raw of exactly
    /// that length, or compressed to exactly that length (decompressed into <paramref name="expected"/>).
    /// </summary>
    private static ReadOnlySpan<byte> Decode(uint pageNumber, PageEncoding encoding, ReadOnlySpan<byte> body, Span<byte> expected)
    {
        if (encoding == PageEncoding.Raw)
        {
            if (body.Length != expected.Length)
            {
                throw new ProtocolException($"page {pageNumber} has {body.Length} bytes, not {expected.Length}");
            }
            return body;
        }
        if (!PageCompression.TryDecompress(body, expected))
        {
            throw new ProtocolException($"page {pageNumber} does not decompress to {expected.Length} bytes");
        }
        return expected;
    }

    /// <summary>
    /// Reads a whole block request (pages above <paramref name="after"/>, which are not written yet,
    /// up to <paramref name="lastPage"/>), sends the hashes of their blocks as they are now, and
    /// leaves them in <paramref name="awaitingDelta"/>: only they may come as deltas. Returns the
    /// highest page asked about.
    /// </summary>
    private static uint AnswerBlockRequest(IPageScanner replica, uint after, uint lastPage, uint lockBytePage, SqlRsyncConversation peer,
        HashSet<uint> awaitingDelta)
    {
        var (pages, seed) = BlockMessages.ReadRequest(peer.Reader, after, lastPage);
        if (pages.Contains(lockBytePage))
        {
            throw new ProtocolException($"the origin asks for the blocks of the lock-byte page {lockBytePage}");
        }
        SendBlockHashes(replica, pages, seed, peer);
        awaitingDelta.Clear();
        awaitingDelta.UnionWith(pages);
        return pages.Count > 0 ? pages[^1] : after;
    }

    /// <summary>The block hashes of <paramref name="pages"/> of ours with <paramref name="seed"/>, sent: a block request's or a leaf check's answer.</summary>
    private static void SendBlockHashes(IPageScanner replica, List<uint> pages, ulong seed, SqlRsyncConversation peer)
    {
        var hashes = new ulong[pages.Count * PageBlocks.Count];
        for (int i = 0; i < pages.Count; i++)
        {
            PageBlocks.Hash(replica.ReadPage(pages[i]), seed, hashes.AsSpan(i * PageBlocks.Count, PageBlocks.Count));
        }
        BlockMessages.WriteHashes(peer.Writer, hashes);
        peer.Writer.Flush();
    }
}
