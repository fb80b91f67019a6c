using Rsync.Core.Pages;
using Rsync.Core.Safety;
using Rsync.Protocol;
using Rsync.Protocol.Messages;

namespace Rsync.Core.Sync;

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
public static class ReplicaRole
{
    /// <summary>Runs the replica's side; <paramref name="progress"/>, if given, shows where it is.</summary>
    public static SyncResult Run(string replicaPath, Stream input, Stream output, SyncSettings settings, SyncProgress? progress = null)
    {
        progress ??= new SyncProgress();
        var peer = new PeerConnection(input, output, Role.Replica);
        PageSink? sink = null;
        NewReplicaFile? newFile = null;
        PageSource? readOnly = null;
        try
        {
            var options = peer.ExchangeHello(settings);
            bool dryRun = options.HasFlag(SyncOptions.DryRun);
            bool force = options.HasFlag(SyncOptions.Force);
            int announcedPageSize = OriginPageSize.Parse(peer.Expect(MessageType.OriginPageSize).Span);

            bool isNew = !File.Exists(replicaPath);
            if (!isNew && !force && ReplicaState.Read(replicaPath) is null)
            {
                ReplicaGuard.RefuseIfInUse(replicaPath);
            }

            // Our write lock (or, in a dry run, our read transaction) comes first: the origin pins its
            // snapshot only once it has our info, so it never holds it while we wait for the lock.
            IPageWriter? target = null;
            IPageScanner? existing = null;
            var info = new DatabaseInfo(announcedPageSize, 0, IsWal: false);
            if (!isNew && dryRun)
            {
                existing = readOnly = PageSource.OpenSnapshot(replicaPath, settings.BusyTimeout);
                info = new DatabaseInfo(readOnly.PageSize, readOnly.PageCount, readOnly.IsWal);
            }
            else if (!isNew)
            {
                target = sink = PageSink.Open(replicaPath, announcedPageSize, settings.BusyTimeout);
                existing = sink;
                info = new DatabaseInfo(sink.PageSize, sink.PageCount, sink.IsWal);
            }
            else if (!dryRun)
            {
                // A new replica is built beside its path and put in place whole at the commit.
                target = newFile = CreateNewReplica(replicaPath, announcedPageSize);
            }
            // Read under our lock: a sync that held it before us has recorded what it left.
            var state = isNew || force ? null : ReplicaState.Read(replicaPath);
            info.WriteTo(peer.Writer, MessageType.ReplicaInfo);
            peer.Writer.Flush();

            var origin = DatabaseInfo.Parse(peer.Expect(MessageType.OriginInfo).Span, MessageType.OriginInfo);
            if (origin.PageCount == 0)
            {
                throw new ProtocolException("the origin announces 0 pages");
            }
            CheckCompatible(origin, options);
            CheckCompatible(replicaPath, info, origin, options);

            int roundTrips = 1;  // the wait for OriginInfo
            var hashing = default(HashingFigures);
            // The replica's content as it is, and as it will be once the pages sent are written.
            var before = new ContentDigest(info.PageSize);
            var after = new ContentDigest(info.PageSize);
            (MessageType Type, ReadOnlyMemory<byte> Payload) next;
            if (info.PageCount == 0)
            {
                next = peer.Reader.Read();
            }
            else
            {
                var tree = HashOwnPages(existing!, info.PageSize, origin.PageCount, before, after, progress, out hashing);
                if (state is not null)
                {
                    ReplicaGuard.RefuseIfChanged(replicaPath, state, before.Value(info.PageCount));
                }
                next = AnswerHashQuestions(tree, peer, ref roundTrips);
            }
            ExpectedFrame.Check(next.Type, MessageType.SendPlan, next.Payload.Span);
            var plan = SendPlan.Parse(next.Payload.Span, origin.PageCount);
            var received = ReceivePages(target, existing, info, origin.PageCount, plan, peer, progress, after);
            progress.Enter(SyncPhase.Committing);
            if (target is not null)
            {
                CommitAndRecord(target, replicaPath, origin.PageCount, isNew ? null : before.Value(info.PageCount), after.Value(origin.PageCount), state);
            }

            hashing.WriteCommitted(peer.Writer);
            peer.Writer.Flush();
            roundTrips++;
            progress.Enter(SyncPhase.Finished);
            return new SyncResult
            {
                PageSize = info.PageSize,
                OriginPageCount = origin.PageCount,
                ReplicaPageCountBefore = info.PageCount,
                DryRun = dryRun,
                PagesSent = plan.Pages,
                PageBytesRaw = dryRun ? (long)plan.Pages * info.PageSize : received.RawBytes,
                PageBytesOnWire = received.WireBytes,
                BytesWritten = peer.Writer.BytesWritten,
                BytesRead = peer.Reader.BytesRead,
                RoundTrips = roundTrips,
                Phases = PhaseTimes.From(progress),
                OriginHashing = plan.OriginHashing,
                ReplicaHashing = hashing,
            };
        }
        catch (Exception e)
        {
            // Roll back first, so the replica is as it was before the origin hears of the failure.
            sink?.Dispose();
            sink = null;
            newFile?.Dispose();
            newFile = null;
            var failure = peer.Fail(e, replicaPath, settings.BusyTimeout);
            if (failure == e)
            {
                throw;
            }
            throw failure;
        }
        finally
        {
            sink?.Dispose();
            newFile?.Dispose();
            readOnly?.Dispose();
        }
    }

    private static NewReplicaFile CreateNewReplica(string replicaPath, int pageSize)
    {
        try
        {
            return NewReplicaFile.Create(replicaPath, pageSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SyncException($"cannot create replica {replicaPath}: {e.Message} (check that its directory exists and is writable)", e);
        }
    }

    private static void CheckCompatible(DatabaseInfo origin, SyncOptions options)
    {
        if (options.HasFlag(SyncOptions.WalOnly) && !origin.IsWal)
        {
            throw new SyncException("the origin is not a WAL database and --wal-only was given");
        }
    }

    private static void CheckCompatible(string replicaPath, DatabaseInfo replica, DatabaseInfo origin, SyncOptions options)
    {
        if (replica.PageSize != origin.PageSize)
        {
            if (replica.PageCount == 0)
            {
                // Our new or empty file took the page size the origin announced with its hello.
                throw new ProtocolException($"the origin announced pages of {replica.PageSize} bytes, then of {origin.PageSize}");
            }
            throw new SyncException($"page size mismatch: the origin uses {origin.PageSize} bytes, replica {replicaPath} uses {replica.PageSize}; sync to a new replica file instead");
        }
        if (options.HasFlag(SyncOptions.WalOnly) && replica.PageCount > 0 && !replica.IsWal)
        {
            throw new SyncException($"replica {replicaPath} is not a WAL database and --wal-only was given");
        }
    }

    /// <summary>
    /// Hashes our pages in one scan into a tree shaped for the origin's page count, adding every page
    /// to <paramref name="before"/> (pages past the origin's end too, read in a second scan) and to
    /// <paramref name="after"/> all but those, which the commit cuts off.
    /// </summary>
    private static HashTree HashOwnPages(IPageScanner replica, int pageSize, uint originPageCount, ContentDigest before, ContentDigest after,
        SyncProgress progress, out HashingFigures hashing)
    {
        progress.Enter(SyncPhase.Hashing, Math.Min(replica.PageCount, originPageCount));
        var tree = HashTree.Build(HashTreeShape.For(originPageCount), replica, pageSize, progress, onPage: before.Add);
        after.Add(before);
        if (replica.PageCount > originPageCount)
        {
            uint lockBytePage = LockBytePage.For(pageSize);
            replica.ScanPages(originPageCount + 1, replica.PageCount, (pageNumber, data) => before.Add(pageNumber, PageHasher.Hash(pageNumber, data, lockBytePage)));
        }
        hashing = HashingFigures.From(progress.PhaseElapsed, progress.Bytes);
        return tree;
    }

    /// <summary>
    /// Sends the top level of the tree, then the children of each node the origin asks about, level by
    /// level. Returns the first frame that is not a question.
    /// </summary>
    private static (MessageType Type, ReadOnlyMemory<byte> Payload) AnswerHashQuestions(HashTree tree, PeerConnection peer, ref int roundTrips)
    {
        var shape = tree.Shape;
        int level = shape.TopLevel;
        LevelMessages.WriteHashes(peer.Writer, (byte)level, tree.TopLevel);
        peer.Writer.Flush();
        roundTrips++;

        while (true)
        {
            var frame = peer.Reader.Read();
            if (frame.Type is not (MessageType.NodeRequest or MessageType.NodeRequestEnd))
            {
                return frame;
            }
            if (level == 0)
            {
                throw new ProtocolException("the origin asks for children of pages");
            }
            var nodes = LevelMessages.ReadNodeRequest(peer.Reader, frame, (byte)level, shape.NodeCount(level));
            LevelMessages.WriteHashes(peer.Writer, (byte)(level - 1), tree.ChildHashes(level, nodes));
            peer.Writer.Flush();
            roundTrips++;
            level--;
        }
    }

    /// <summary>
    /// Writes the planned Page frames, checking each before it is written, until Done, and checks Done.
    /// Each page written replaces its old terms in <paramref name="content"/>. With no
    /// <paramref name="sink"/> (a dry run) no page may come.
    /// </summary>
    private static (long RawBytes, long WireBytes) ReceivePages(IPageWriter? sink, IPageScanner? existing, DatabaseInfo replica, uint originPageCount,
        SendPlan plan, PeerConnection peer, SyncProgress progress, ContentDigest content)
    {
        uint expectedPages = sink is null ? 0 : plan.Pages;
        progress.Enter(SyncPhase.Sending, expectedPages);
        uint lockBytePage = LockBytePage.For(replica.PageSize);
        var page = new byte[replica.PageSize];
        var digest = new PageStreamDigest();
        long rawBytes = 0, wireBytes = 0;
        var frame = peer.Reader.Read();
        while (frame.Type == MessageType.Page)
        {
            uint pageNumber = PageMessage.Parse(frame.Payload.Span, out var encoding, out var body);
            if (sink is null || digest.Pages == expectedPages)
            {
                throw new ProtocolException($"the origin sent more than the {expectedPages} pages it planned");
            }
            if (pageNumber == 0 || pageNumber > originPageCount || pageNumber == lockBytePage)
            {
                throw new ProtocolException($"the origin sent page {pageNumber}, which is not a page of its {originPageCount}-page database");
            }
            ReadOnlySpan<byte> data;
            if (encoding == PageEncoding.Raw)
            {
                if (body.Length != page.Length)
                {
                    throw new ProtocolException($"page {pageNumber} has {body.Length} bytes, not {page.Length}");
                }
                data = body;
            }
            else
            {
                if (!PageCompression.TryDecompress(body, page))
                {
                    throw new ProtocolException($"page {pageNumber} does not decompress to {page.Length} bytes");
                }
                data = page;
            }
            digest.Add(pageNumber, data);
            try
            {
                if (existing is not null && pageNumber <= replica.PageCount)
                {
                    content.Remove(pageNumber, PageHasher.Hash(pageNumber, existing.ReadPage(pageNumber), lockBytePage));
                }
                content.Add(pageNumber, sink.WritePage(pageNumber, data));
            }
            catch (IOException e)
            {
                throw new SyncException($"cannot write the replica: {e.Message}; it is unchanged (free some space or fix the disk, then retry)", e);
            }
            rawBytes += data.Length;
            wireBytes += body.Length;
            progress.Advance(1, body.Length);
            frame = peer.Reader.Read();
        }

        ExpectedFrame.Check(frame.Type, MessageType.Done, frame.Payload.Span);
        var done = DoneMessage.Parse(frame.Payload.Span);
        if (done.PageCount != originPageCount || done.PagesSent != digest.Pages || digest.Pages != expectedPages || done.Digest != digest.Value)
        {
            throw new ProtocolException($"the page stream does not match the origin's digest ({digest.Pages} pages received, {done.PagesSent} sent): nothing was committed");
        }
        return (rawBytes, wireBytes);
    }

    /// <summary>
    /// Records the replica's content before and after in its state file, durably, then commits; if the
    /// commit fails, puts the old state file back. Recording first means that whatever a crash leaves,
    /// the old content or the new, the next sync recognises it as sqlrsync's own.
    /// </summary>
    private static void CommitAndRecord(IPageWriter target, string replicaPath, uint pageCount, string? before, string after, ReplicaState? state)
    {
        string? previousRecord = null;
        bool record = before != after || state is null || !state.Holds(after);
        if (record)
        {
            try
            {
                previousRecord = ReplicaState.ReadText(replicaPath);
                var contents = new[] { before, after }.OfType<string>().Distinct().ToList();
                ReplicaState.Replace(replicaPath, new ReplicaState(contents, DateTimeOffset.UtcNow).Text());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SyncException($"cannot record the replica's state in {ReplicaState.FileFor(replicaPath)}: {e.Message}; the replica is unchanged (check that its directory is writable and has space)", e);
            }
        }
        try
        {
            Commit(target, pageCount);
        }
        catch when (record)
        {
            RestoreRecord(replicaPath, previousRecord);
            throw;
        }
    }

    private static void Commit(IPageWriter target, uint pageCount)
    {
        try
        {
            target.Commit(pageCount);
        }
        catch (InvalidOperationException e)
        {
            throw new ProtocolException(e.Message);
        }
        catch (IOException e)
        {
            throw new SyncException($"cannot commit the replica: {e.Message}; it is unchanged (free some space or fix the disk, then retry)", e);
        }
    }

    /// <summary>Best effort: if it fails, the record still names the content the replica kept, along with the one it did not get.</summary>
    private static void RestoreRecord(string replicaPath, string? previousRecord)
    {
        try
        {
            ReplicaState.Replace(replicaPath, previousRecord);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
