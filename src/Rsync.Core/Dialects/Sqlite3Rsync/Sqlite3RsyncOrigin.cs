using SqlRsync.Engine;
using SqlRsync.Engine.Pages;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Sqlite3Rsync;

namespace SqlRsync.Dialects.Sqlite3Rsync;

/// <summary>
/// The origin's half of a sync in sqlite3_rsync's protocol, for a sqlite3_rsync replica: announce the
/// page size and count, compare each hash the replica sends with the same pages of one snapshot, ask
/// for smaller ranges where a range differs (protocol 2), then send the pages that differ and the
/// TXN that commits them. Our rules hold: the origin is only read (mismatches are kept in memory, no
/// temporary table), and the snapshot is pinned only when the replica, holding its write lock, sends
/// its first hash — never while it waits for that lock — and released once the last page is sent.
/// </summary>
internal static class Sqlite3RsyncOrigin
{
    /// <summary>Runs the origin's side over a pair of streams, offering protocol version <paramref name="protocol"/>.</summary>
    public static SyncResult Run(string originPath, Stream input, Stream output, SyncOptions options, ProgressTracker progress, byte protocol)
    {
        var conversation = new Sqlite3RsyncConversation(input, output, isReplica: false);
        OriginSession? origin = null;
        return conversation.Run(originPath, options.BusyTimeout, () =>
        {
            origin = OriginSession.Open(PathChecks.Origin(originPath), options.BusyTimeout);
            var run = new SyncRun(progress) { DryRun = options.DryRun };
            byte version = new Comparison(origin, conversation, options, run, protocol).Run();
            run.OriginPagesRead = origin.Pages.PagesRead;
            return run.ToResult(conversation.Writer.BytesWritten, conversation.Reader.BytesRead) with { Protocol = $"sqlite3_rsync {version}" };
        }, undo: () =>
        {
            origin?.Dispose();
            origin = null;
        });
    }

    private sealed class Comparison(OriginSession origin, Sqlite3RsyncConversation conversation, SyncOptions options, SyncRun run, byte protocol)
    {
        private readonly PageSource _source = origin.Pages;
        private readonly Sqlite3RsyncWriter _writer = conversation.Writer;
        private readonly Sqlite3RsyncReader _reader = conversation.Reader;
        // The ranges whose hashes differ (first page, count), like sqlite3_rsync's badHash table.
        private readonly SortedDictionary<uint, uint> _mismatches = [];
        private int _pageSize;
        private uint _announcedPageCount;
        private bool _pinned;

        /// <summary>Runs the conversation; returns the protocol version spoken.</summary>
        public byte Run()
        {
            // ORIGIN_BEGIN needs the page size and count now; each is read in a read transaction of its
            // own that ends at once. The snapshot's own count is what the TXN sends.
            _pageSize = _source.ReadPageSize();
            _announcedPageCount = _source.ReadPageCount();
            if (_announcedPageCount == 0)
            {
                throw OriginSession.Empty(_source.Path);
            }
            run.PageSize = _pageSize;
            SendBegin();

            uint first = 1, count = 1;
            ulong pastLastHash = 0;
            Span<byte> theirs = stackalloc byte[Sqlite3RsyncHash.Length];
            while (true)
            {
                var code = conversation.Expect();
                switch (code)
                {
                    case Sqlite3RsyncMessage.ReplicaBegin:
                        byte offered = _reader.ReadByte();
                        if (_pinned || offered == 0 || offered >= protocol)
                        {
                            throw new ProtocolException($"the replica offers protocol {offered} in answer to {protocol}");
                        }
                        protocol = offered;
                        SendBegin();
                        break;
                    case Sqlite3RsyncMessage.ReplicaConfig:
                        Pin();
                        first = _reader.ReadUInt32();
                        count = _reader.ReadUInt32();
                        if (first == 0 || count == 0 || (ulong)first + count > ProtocolLimits.MaxPageCount + 1UL)
                        {
                            throw new ProtocolException($"the replica announces hashes of pages {first}+{count}");
                        }
                        break;
                    case Sqlite3RsyncMessage.ReplicaHash:
                        Pin();
                        _reader.ReadExactly(theirs);
                        if ((ulong)first + count > ProtocolLimits.MaxPageCount + 1UL)
                        {
                            throw new ProtocolException($"the replica sends a hash of pages past {ProtocolLimits.MaxPageCount}");
                        }
                        if (!Matches(first, count, theirs) && !_mismatches.TryAdd(first, count))
                        {
                            throw new ProtocolException($"the replica sends the hash of pages {first}+{count} twice");
                        }
                        pastLastHash = Math.Max(pastLastHash, (ulong)first + count);
                        first += count;
                        run.Hashes++;
                        break;
                    case Sqlite3RsyncMessage.ReplicaReady:
                        Pin();
                        run.HashRounds++;
                        if (run.RoundTrips++ == 0)
                        {
                            // The first round hashes every page the replica has: its page count is where it ends.
                            run.ReplicaPageCountBefore = (uint)Math.Max(pastLastHash, 1) - 1;
                        }
                        if (AskForDetail())
                        {
                            break;
                        }
                        SendPages((uint)Math.Min(pastLastHash, uint.MaxValue));
                        AwaitEnd();
                        return protocol;
                    default:
                        throw new ProtocolException($"the replica sent {code} before the pages were sent");
                }
            }
        }

        private void SendBegin()
        {
            _writer.Write(Sqlite3RsyncMessage.OriginBegin);
            _writer.WriteByte(protocol);
            _writer.WritePageSize(_pageSize);
            _writer.WriteUInt32(_announcedPageCount);
            _writer.Flush();
        }

        /// <summary>The replica answers once it holds its write lock: only now is the snapshot pinned.</summary>
        private void Pin()
        {
            if (_pinned)
            {
                return;
            }
            origin.Pin(_pageSize, options.WalOnly);
            _pinned = true;
            run.OriginPageCount = _source.PageCount;
            run.Progress.Enter(SyncPhase.Comparing, _source.PageCount);
        }

        /// <summary>Whether <paramref name="theirs"/> is the hash of the same pages of our snapshot; a range none of whose pages we have never
        /// matches.</summary>
        private bool Matches(uint first, uint count, ReadOnlySpan<byte> theirs)
        {
            Span<byte> ours = stackalloc byte[Sqlite3RsyncHash.Length];
            uint last = (uint)Math.Min((ulong)first + count - 1, _source.PageCount);
            if (first > last)
            {
                return false;
            }
            if (count == 1)
            {
                Sqlite3RsyncHash.Compute(_source.ReadPage(first), ours);
            }
            else
            {
                var range = new Sqlite3RsyncHash();
                var pageHash = new byte[Sqlite3RsyncHash.Length];
                _source.ScanPages(first, last, (_, data) =>
                {
                    Sqlite3RsyncHash.Compute(data, pageHash);
                    range.Append(pageHash);
                });
                range.Finish(ours);
            }
            run.Progress.Advance(last - first + 1, (long)(last - first + 1) * _pageSize);
            return ours.SequenceEqual(theirs);
        }

        /// <summary>Sends a DETAIL for each differing range of several pages, then ORIGIN_READY; false when there is none.</summary>
        private bool AskForDetail()
        {
            var ranges = _mismatches.Where(mismatch => mismatch.Value > 1).ToList();
            if (ranges.Count == 0)
            {
                return false;
            }
            foreach (var (first, count) in ranges)
            {
                _writer.Write(Sqlite3RsyncMessage.OriginDetail);
                _writer.WriteUInt32(first);
                _writer.WriteUInt32(count);
                _mismatches.Remove(first);
            }
            _writer.Write(Sqlite3RsyncMessage.OriginReady);
            _writer.Flush();
            return true;
        }

        /// <summary>
        /// Sends every page whose hash differed and every page past the last one the replica hashed
        /// (never the lock-byte page), then TXN with the snapshot's page count and END; in a dry run,
        /// only END, at which a sqlite3_rsync replica rolls back.
        /// </summary>
        private void SendPages(uint pastLastHash)
        {
            uint pageCount = _source.PageCount;
            uint lockBytePage = LockBytePage.For(_pageSize);
            var pages = _mismatches.Keys.Where(page => page <= pageCount).ToList();
            for (ulong page = Math.Max(pastLastHash, 1); page <= pageCount; page++)
            {
                pages.Add((uint)page);
            }
            pages.Remove(lockBytePage);
            run.PagesSent = (uint)pages.Count;
            run.PageBytesRaw = (long)pages.Count * _pageSize;
            run.PageBytesOnWire = run.PageBytesRaw;
            if (!run.DryRun)
            {
                run.Progress.Enter(SyncPhase.Sending, pages.Count);
                SelectedPages.Read(_source, pages, (pageNumber, data) =>
                {
                    _writer.Write(Sqlite3RsyncMessage.OriginPage);
                    _writer.WriteUInt32(pageNumber);
                    _writer.Write(data);
                    run.Progress.Advance(1, data.Length);
                });
                run.Progress.BeginCommit();
                _writer.Write(Sqlite3RsyncMessage.OriginTxn);
                _writer.WriteUInt32(pageCount);
            }
            _writer.Write(Sqlite3RsyncMessage.OriginEnd);
            _writer.Flush();
            // Every page has left: the replica's commit must not hold up our writers.
            origin.Release();
            run.Progress.Enter(SyncPhase.Committing);
        }

        /// <summary>After END: the replica closes the connection, or says why its commit failed.</summary>
        private void AwaitEnd()
        {
            try
            {
                while (conversation.Next() is { } code)
                {
                    if (code == Sqlite3RsyncMessage.ReplicaEnd)
                    {
                        break;
                    }
                    throw new ProtocolException($"the replica sent {code} after the pages");
                }
            }
            catch (IOException)
            {
                // The replica is gone; its exit status (or the next sync) tells how its commit went.
            }
            run.Progress.Enter(SyncPhase.Finished);
        }
    }
}
