using Rsync.Core.Pages;
using Rsync.Protocol;
using Rsync.Protocol.Messages;

namespace Rsync.Core.Sync;

/// <summary>
/// The replica's half of a sync, read top to bottom: say hello, learn the origin's page size, take
/// the replica's write lock, hash its pages and answer the origin's questions about them, write the
/// pages it is sent, and commit once the origin says it is done. Any failure before the commit rolls
/// back: the replica stays exactly as it was. Every frame is checked before anything is written.
/// </summary>
public static class ReplicaRole
{
    public static SyncResult Run(string replicaPath, Stream input, Stream output, SyncSettings settings)
    {
        var peer = new PeerConnection(input, output, Role.Replica);
        PageSink? sink = null;
        NewReplicaFile? newFile = null;
        try
        {
            var options = peer.ExchangeHello(settings);
            var origin = DatabaseInfo.Parse(peer.Expect(MessageType.OriginInfo).Span, MessageType.OriginInfo);
            if (origin.PageCount == 0)
            {
                throw new ProtocolException("the origin announces 0 pages");
            }
            CheckCompatible(origin, options);
            IPageWriter target;
            uint pageCountBefore;
            if (!File.Exists(replicaPath))
            {
                // A new replica is built beside its path and put in place whole at the commit.
                try
                {
                    target = newFile = NewReplicaFile.Create(replicaPath, origin.PageSize);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new SyncException($"cannot create replica {replicaPath}: {e.Message} (check that its directory exists and is writable)", e);
                }
                pageCountBefore = 0;
                new DatabaseInfo(origin.PageSize, 0, IsWal: false).WriteTo(peer.Writer, MessageType.ReplicaInfo);
            }
            else
            {
                target = sink = PageSink.Open(replicaPath, origin.PageSize, settings.BusyTimeout);
                CheckCompatible(sink, origin, options);
                pageCountBefore = sink.PageCount;
                new DatabaseInfo(sink.PageSize, sink.PageCount, sink.IsWal).WriteTo(peer.Writer, MessageType.ReplicaInfo);
            }
            peer.Writer.Flush();

            var next = sink is null || sink.PageCount == 0 ? peer.Reader.Read() : AnswerHashQuestions(sink, origin.PageCount, peer);
            uint pagesWritten = ReceivePages(target, origin.PageCount, peer, next);

            peer.Writer.Write(MessageType.Committed, []);
            peer.Writer.Flush();
            return new SyncResult
            {
                PageSize = target.PageSize,
                OriginPageCount = origin.PageCount,
                ReplicaPageCountBefore = pageCountBefore,
                PagesSent = pagesWritten,
                BytesWritten = peer.Writer.BytesWritten,
                BytesRead = peer.Reader.BytesRead,
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
        }
    }

    private static void CheckCompatible(DatabaseInfo origin, SyncOptions options)
    {
        if (options.HasFlag(SyncOptions.WalOnly) && !origin.IsWal)
        {
            throw new SyncException("the origin is not a WAL database and --wal-only was given");
        }
    }

    private static void CheckCompatible(PageSink sink, DatabaseInfo origin, SyncOptions options)
    {
        if (sink.PageCount > 0 && sink.PageSize != origin.PageSize)
        {
            throw new SyncException($"page size mismatch: the origin uses {origin.PageSize} bytes, replica {sink.Path} uses {sink.PageSize}; sync to a new replica file instead");
        }
        if (options.HasFlag(SyncOptions.WalOnly) && sink.PageCount > 0 && !sink.IsWal)
        {
            throw new SyncException($"replica {sink.Path} is not a WAL database and --wal-only was given");
        }
    }

    /// <summary>
    /// Sends the top level of our hash tree, then the children of each node the origin asks about,
    /// level by level. Returns the first frame that is not a question (a Page or Done).
    /// </summary>
    private static (MessageType, ReadOnlyMemory<byte>) AnswerHashQuestions(PageSink sink, uint originPageCount, PeerConnection peer)
    {
        var shape = HashTreeShape.For(originPageCount);
        var tree = HashTree.Build(shape, sink, sink.PageSize);
        int level = shape.TopLevel;
        LevelMessages.WriteHashes(peer.Writer, (byte)level, tree.TopLevel);
        peer.Writer.Flush();

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
            level--;
        }
    }

    /// <summary>Writes Page frames until Done, checking each before it is written; then commits.</summary>
    private static uint ReceivePages(IPageWriter sink, uint originPageCount, PeerConnection peer, (MessageType Type, ReadOnlyMemory<byte> Payload) frame)
    {
        uint lockBytePage = LockBytePage.For(sink.PageSize);
        var page = new byte[sink.PageSize];
        var digest = new PageStreamDigest();
        while (frame.Type == MessageType.Page)
        {
            uint pageNumber = PageMessage.Parse(frame.Payload.Span, out var encoding, out var body);
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
                sink.WritePage(pageNumber, data);
            }
            catch (IOException e)
            {
                throw new SyncException($"cannot write the replica: {e.Message}; it is unchanged", e);
            }
            frame = peer.Reader.Read();
        }

        LevelMessages.ExpectType(frame.Type, MessageType.Done, frame.Payload.Span);
        var done = DoneMessage.Parse(frame.Payload.Span);
        if (done.PageCount != originPageCount || done.PagesSent != digest.Pages || done.Digest != digest.Value)
        {
            throw new ProtocolException($"the page stream does not match the origin's digest ({digest.Pages} pages received, {done.PagesSent} sent): nothing was committed");
        }
        try
        {
            sink.Commit(originPageCount);
        }
        catch (InvalidOperationException e)
        {
            throw new ProtocolException(e.Message);
        }
        catch (IOException e)
        {
            throw new SyncException($"cannot commit the replica: {e.Message}", e);
        }
        return digest.Pages;
    }
}
