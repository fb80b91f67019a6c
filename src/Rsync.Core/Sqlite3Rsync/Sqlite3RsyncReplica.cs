using SqlRsync.HashTrees;
using SqlRsync.Pages;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Protocol.Sqlite3Rsync;
using SqlRsync.Roles;
using SqlRsync.Safety;

namespace SqlRsync.Sqlite3Rsync;

/// <summary>
/// The replica's half of a sync in sqlite3_rsync's protocol, for a sqlite3_rsync origin: learn the
/// origin's page size, take the replica's write lock, hash every page of ours, answer the origin's
/// DETAIL rounds with hashes of smaller ranges (protocol 2), write the pages it sends, and commit once
/// at its TXN. The guarantees are ours, not its: the same guard against overwriting a live database,
/// every page number and count checked before the commit, and any failure rolls back.
/// </summary>
internal static class Sqlite3RsyncReplica
{
    /// <summary>Runs the replica's side over a pair of streams; <paramref name="protocol"/> is the newest version to accept.</summary>
    public static SyncResult Run(string replicaPath, Stream input, Stream output, SyncOptions options, ProgressTracker progress, byte protocol)
    {
        var conversation = new Sqlite3RsyncConversation(input, output, isReplica: true);
        var run = new SyncRun(progress);
        ReplicaTarget? target = null;
        return conversation.Run(replicaPath, options.BusyTimeout, () =>
        {
            replicaPath = PathChecks.Replica(replicaPath);
            var (version, pageSize, originPageCount) = Begin(conversation, protocol);
            run.DryRun = options.DryRun;
            if (File.Exists(replicaPath) && !options.Force && ReplicaState.Read(replicaPath) is null)
            {
                ReplicaGuard.RefuseIfInUse(replicaPath);
            }
            // sqlite3_rsync says nothing of its file's permission bits: a new replica is the owner's alone.
            target = ReplicaTarget.Open(replicaPath, options.DryRun, new OriginFile(pageSize, OriginFile.PrivateMode, HashSeed: 0), options.BusyTimeout, waiting: () => progress.Enter(SyncPhase.Waiting), progress.Cancellation);
            var state = target.ReadRecordAndGuard(replicaPath, options.Force);
            var info = target.Info;
            if (options.WalOnly && info.PageCount > 0 && !info.IsWal)
            {
                throw new SyncException(SyncFailure.Incompatible, $"replica {replicaPath} is not a WAL database and --wal-only was given");
            }
            run.PageSize = pageSize;
            run.OriginPageCount = originPageCount;
            run.ReplicaPageCountBefore = info.PageCount;
            run.ReplacedPageSize = info.ReplacedPageSize;

            var pages = new OwnPages(info.PageCount, pageSize);
            if (info.PageCount > 0)
            {
                progress.Enter(SyncPhase.Hashing, info.PageCount);
                pages.Hash(target.Existing!, progress);
                run.ReplicaHashing = run.HashingSoFar;
                if (state is not null)
                {
                    ReplicaGuard.RefuseIfChanged(replicaPath, state, pages.Before.Value(info.PageCount));
                }
            }
            progress.Enter(SyncPhase.Comparing);
            var rounds = new HashRounds(pages, version, conversation.Writer);
            rounds.SendFirst();
            run.RoundTrips = 1;
            var code = conversation.Expect();
            for (; code is not (Sqlite3RsyncMessage.OriginPage or Sqlite3RsyncMessage.OriginTxn); code = conversation.Expect())
            {
                if (code == Sqlite3RsyncMessage.OriginDetail)
                {
                    rounds.Detail(conversation.Reader.ReadUInt32(), conversation.Reader.ReadUInt32());
                }
                else if (code == Sqlite3RsyncMessage.OriginReady)
                {
                    rounds.SendNext();
                    run.RoundTrips++;
                }
                else
                {
                    throw new ProtocolException($"the origin sent {code} while hashes were compared");
                }
            }
            run.Hashes = rounds.HashesSent;
            run.HashRounds = rounds.Rounds;
            uint finalPageCount = ReceivePages(conversation, code, target, pages, pageSize, run);
            if (conversation.Next() is { } end && end != Sqlite3RsyncMessage.OriginEnd)
            {
                throw new ProtocolException($"the origin sent {end} after its TXN");
            }
            progress.BeginCommit();
            progress.Enter(SyncPhase.Committing);
            if (target.Writer is { } writer)
            {
                for (uint cut = finalPageCount + 1; cut <= info.PageCount; cut++)
                {
                    pages.After.Remove(cut, pages.Leaf(cut));
                }
                string? before = target.ContentBefore(() => pages.Before.Value(info.PageCount));
                ReplicaRole.CommitAndRecord(writer, replicaPath, finalPageCount, before, pages.After.Value(finalPageCount), state);
            }
            run.OriginPageCount = finalPageCount;
            progress.Enter(SyncPhase.Finished);
            return run.ToResult(conversation.Writer.BytesWritten, conversation.Reader.BytesRead) with { Protocol = $"sqlite3_rsync {version}" };
        }, undo: () =>
        {
            target?.Dispose();
            target = null;
        });
    }

    /// <summary>Reads ORIGIN_BEGIN, offering <paramref name="protocol"/> instead of a newer version, as sqlite3_rsync does.</summary>
    private static (byte Version, int PageSize, uint PageCount) Begin(Sqlite3RsyncConversation conversation, byte protocol)
    {
        for (int offers = 0; ; offers++)
        {
            var code = conversation.Expect();
            if (code != Sqlite3RsyncMessage.OriginBegin)
            {
                throw new ProtocolException($"the origin began with {code}, not ORIGIN_BEGIN");
            }
            byte version = conversation.Reader.ReadByte();
            int pageSize = conversation.Reader.ReadPageSize();
            uint pageCount = conversation.Reader.ReadUInt32();
            if (version == 0)
            {
                throw new ProtocolException("the origin offers protocol version 0");
            }
            if (version <= protocol)
            {
                return (version, pageSize, pageCount);
            }
            if (offers > 0)
            {
                throw new ProtocolException($"the origin offers protocol {version} again after we asked for {protocol}");
            }
            conversation.Writer.Write(Sqlite3RsyncMessage.ReplicaBegin);
            conversation.Writer.WriteByte(protocol);
            conversation.Writer.Flush();
        }
    }

    /// <summary>
    /// Writes the ORIGIN_PAGE messages up to the TXN, each checked first: a page of our page size, in
    /// ascending order, never page 0 or the lock-byte page, none past the final count, and every page
    /// past our old end present. Returns the final page count. In a dry run nothing is written.
    /// </summary>
    private static uint ReceivePages(Sqlite3RsyncConversation conversation, Sqlite3RsyncMessage first, ReplicaTarget target, OwnPages pages, int pageSize, SyncRun run)
    {
        var reader = conversation.Reader;
        var writer = target.Writer;
        uint oldPageCount = target.Info.PageCount;
        uint lockBytePage = LockBytePage.For(pageSize);
        var data = new byte[pageSize];
        uint previous = 0, pastOldEnd = 0;
        run.Progress.Enter(SyncPhase.Sending);
        var code = first;
        for (; code == Sqlite3RsyncMessage.OriginPage; code = conversation.Expect())
        {
            uint pageNumber = reader.ReadUInt32();
            reader.ReadExactly(data);
            if (pageNumber <= previous || pageNumber == lockBytePage || pageNumber > ProtocolLimits.MaxPageCount)
            {
                throw new ProtocolException($"the origin sent page {pageNumber} after page {previous}; pages come once each, in order, never the lock-byte page");
            }
            previous = pageNumber;
            pastOldEnd += pageNumber > oldPageCount ? 1u : 0u;
            if (writer is not null)
            {
                try
                {
                    if (pageNumber <= oldPageCount)
                    {
                        pages.After.Remove(pageNumber, pages.Leaf(pageNumber));
                    }
                    pages.After.Add(pageNumber, writer.WritePage(pageNumber, data));
                }
                catch (IOException e)
                {
                    throw new SyncException(SyncFailure.DiskFull, $"cannot write the replica: {e.Message}; it is unchanged (free some space or fix the disk, then retry)", e);
                }
            }
            run.PagesSent++;
            run.PageBytesRaw += pageSize;
            run.PageBytesOnWire += pageSize;
            run.Progress.Advance(1, pageSize);
        }
        if (code != Sqlite3RsyncMessage.OriginTxn)
        {
            throw new ProtocolException($"the origin sent {code} among its pages");
        }
        uint pageCount = reader.ReadUInt32();
        uint expectedPastOldEnd = pageCount <= oldPageCount ? 0
            : pageCount - oldPageCount - (lockBytePage > oldPageCount && lockBytePage <= pageCount ? 1u : 0u);
        if (pageCount == 0 || pageCount > ProtocolLimits.MaxPageCount || previous > pageCount || pastOldEnd != expectedPastOldEnd)
        {
            throw new ProtocolException($"the origin's TXN says {pageCount} pages, but the pages it sent do not make such a database (last page {previous}, {pastOldEnd} past our {oldPageCount}): nothing was committed");
        }
        return pageCount;
    }
}
