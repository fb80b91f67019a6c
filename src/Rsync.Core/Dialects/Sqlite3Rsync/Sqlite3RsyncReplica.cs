using SqlRsync.Engine;
using SqlRsync.Engine.Pages;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Protocol.Sqlite3Rsync;

namespace SqlRsync.Dialects.Sqlite3Rsync;

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
        ReplicaSession? replica = null;
        return conversation.Run(replicaPath, options.BusyTimeout, () =>
        {
            var (version, pageSize, originPageCount) = Begin(conversation, protocol);
            // sqlite3_rsync says nothing of its file's permission bits: a new replica is the owner's alone.
            replica = ReplicaSession.Open(replicaPath, new OriginFile(pageSize, OriginFile.PrivateMode, HashSeed: 0),
                new ReplicaChoices(options.DryRun, options.Force, options.WalOnly), options.BusyTimeout, waiting: () => progress.Enter(SyncPhase.Waiting), run);
            run.OriginPageCount = originPageCount;

            var pages = new OwnPages(replica.Info.PageCount, pageSize);
            if (replica.Info.PageCount > 0)
            {
                replica.HashPages(pages.Add);
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
            uint finalPageCount = ReceivePages(conversation, code, replica, pages, run);
            if (conversation.Next() is { } end && end != Sqlite3RsyncMessage.OriginEnd)
            {
                throw new ProtocolException($"the origin sent {end} after its TXN");
            }
            if (replica.Writes)
            {
                // The TXN's page count cuts off our pages past it.
                for (uint cut = finalPageCount + 1; cut <= replica.Info.PageCount; cut++)
                {
                    replica.After.Remove(cut, pages.Leaf(cut));
                }
            }
            replica.Commit(finalPageCount);
            run.OriginPageCount = finalPageCount;
            progress.Enter(SyncPhase.Finished);
            return run.ToResult(conversation.Writer.BytesWritten, conversation.Reader.BytesRead) with { Protocol = $"sqlite3_rsync {version}" };
        }, undo: () =>
        {
            replica?.Dispose();
            replica = null;
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
    private static uint ReceivePages(Sqlite3RsyncConversation conversation, Sqlite3RsyncMessage first, ReplicaSession replica, OwnPages pages, SyncRun run)
    {
        var reader = conversation.Reader;
        int pageSize = replica.Info.PageSize;
        uint oldPageCount = replica.Info.PageCount;
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
                throw new ProtocolException($"the origin sent page {pageNumber} after page {previous}; pages come once each, in order, never the " +
                    "lock-byte page");
            }
            previous = pageNumber;
            pastOldEnd += pageNumber > oldPageCount ? 1u : 0u;
            if (replica.Writes)
            {
                replica.WritePage(pageNumber, data, pageNumber <= oldPageCount ? pages.Leaf(pageNumber) : null);
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
            throw new ProtocolException($"the origin's TXN says {pageCount} pages, but the pages it sent do not make such a database (last page " +
                $"{previous}, {pastOldEnd} past our {oldPageCount}): nothing was committed");
        }
        return pageCount;
    }
}
