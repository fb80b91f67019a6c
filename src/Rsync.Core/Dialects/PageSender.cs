using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SqlRsync.Engine;
using SqlRsync.Engine.Compression;
using SqlRsync.Engine.Deltas;
using SqlRsync.Engine.Pages;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Dialects;

/// <summary>
/// The origin's sending of pages, in ascending order: each whole (raw, or compressed when that was
/// agreed and pays), or — with the delta option, for pages the replica has — only the blocks that
/// differ from the replica's, after a round trip per batch that fetches the replica's block hashes.
/// Keeps the digest of the page stream (whole pages, as the replica rebuilds them) for Done.
/// </summary>
internal sealed class PageSender(SqlRsyncConversation peer, int pageSize, OptionFlags agreed, SyncRun run)
{
    private readonly FrameWriter _writer = peer.Writer;
    private readonly uint _lockBytePage = LockBytePage.For(pageSize);
    private readonly AdaptiveCompression _compression = new(agreed.HasFlag(OptionFlags.Compress));
    private readonly byte[] _compressed = new byte[pageSize];
    private readonly byte[] _blocks = new byte[pageSize];
    private long _bytesSavedByDeltas;

    public PageStreamDigest Digest { get; } = new();

    /// <summary>
    /// Sends <paramref name="pages"/> (ascending), or every page when it is null; <paramref name="atHand"/> are block
    /// hashes of its first pages that came with the comparison.
    /// </summary>
    public void Send(IPageScanner source, List<uint>? pages, BlockHashesAtHand? atHand = null)
    {
        if (pages is null)
        {
            source.ScanPages(1, source.PageCount, SendWhole);
        }
        else
        {
            source.WillRead(pages);
            if (agreed.HasFlag(OptionFlags.Delta) && run.ReplicaPageCountBefore > 0)
            {
                SendWithDeltas(source, pages, atHand);
            }
            else
            {
                source.ReadPages(pages, SendWhole);
            }
        }
    }

    /// <summary>
    /// A batch at a time: asks for the block hashes of the batch's pages the replica has, then sends
    /// those pages as deltas and the rest whole. Once a batch saved fewer bytes than its hashes cost
    /// (pages rewritten through and through), the rest go whole without asking.
    /// </summary>
    private void SendWithDeltas(IPageScanner source, List<uint> pages, BlockHashesAtHand? atHand)
    {
        int start = 0;
        bool asking = true;
        if (atHand is not null)
        {
            // They are the first pages to send: every page the leaf check found is below those past the replica's end.
            start = atHand.Pages.Count;
            asking = SendBatch(source, atHand.Pages, atHand.Pages.Count, atHand.Seed, atHand.Hashes);
        }
        for (; start < pages.Count; start += ProtocolLimits.PagesPerBlockRequest)
        {
            var batch = pages.GetRange(start, Math.Min(ProtocolLimits.PagesPerBlockRequest, pages.Count - start));
            int held = asking ? batch.FindLastIndex(page => page <= run.ReplicaPageCountBefore) + 1 : 0;
            if (held == 0)
            {
                source.ReadPages(batch, SendWhole);
                continue;
            }
            ulong seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
            BlockMessages.WriteRequest(_writer, CollectionsMarshal.AsSpan(batch)[..held], seed);
            _writer.Flush();
            var theirs = BlockMessages.ReadHashes(peer.Reader, held * PageBlocks.Count);
            run.RoundTrips++;
            asking = SendBatch(source, batch, held, seed, theirs);
        }
    }

    /// <summary>
    /// Sends <paramref name="batch"/>: its first <paramref name="held"/> pages as deltas against <paramref name="theirs"/>,
    /// the rest whole. Returns whether deltas paid for their hashes (worth asking for the next batch's).
    /// </summary>
    private bool SendBatch(IPageScanner source, List<uint> batch, int held, ulong seed, ulong[] theirs)
    {
        long savedBefore = _bytesSavedByDeltas;
        int next = 0;
        source.ReadPages(batch, (pageNumber, data) =>
        {
            if (next < held)
            {
                SendDelta(pageNumber, data, PageBlocks.Differing(data, seed, theirs.AsSpan(next * PageBlocks.Count, PageBlocks.Count)));
                next++;
            }
            else
            {
                SendWhole(pageNumber, data);
            }
        });
        return _bytesSavedByDeltas - savedBefore > (long)held * PageBlocks.Count * BlockMessages.HashLength;
    }

    private void SendDelta(uint pageNumber, ReadOnlySpan<byte> data, uint mask)
    {
        // No block differs only when two blocks hashed alike (the pages' own hashes differ): send it whole.
        if (mask is 0 or PageBlocks.AllBlocks)
        {
            SendWhole(pageNumber, data);
            return;
        }
        int length = PageBlocks.Gather(data, mask, _blocks);
        _bytesSavedByDeltas += data.Length - length;
        var body = Encode(_blocks.AsSpan(0, length), out var encoding);
        new PageDelta(pageNumber, mask, encoding, body).WriteTo(_writer);
        Sent(pageNumber, data, body.Length);
    }

    private void SendWhole(uint pageNumber, ReadOnlySpan<byte> data)
    {
        if (pageNumber == _lockBytePage)
        {
            return;
        }
        var body = Encode(data, out var encoding);
        new Page(pageNumber, encoding, body).WriteTo(_writer);
        Sent(pageNumber, data, body.Length);
    }

    /// <summary>Counts a page that has left, whole or as a delta of <paramref name="wireBytes"/>, in the digest, the figures and the progress.</summary>
    private void Sent(uint pageNumber, ReadOnlySpan<byte> data, int wireBytes)
    {
        Digest.Add(pageNumber, data);
        run.PageBytesRaw += data.Length;
        run.PageBytesOnWire += wireBytes;
        run.Progress.Advance(1, data.Length);
    }

    /// <summary><paramref name="data"/> compressed when compression is on and it shrinks, else raw.</summary>
    private ReadOnlySpan<byte> Encode(ReadOnlySpan<byte> data, out PageEncoding encoding)
    {
        encoding = PageEncoding.Raw;
        if (!_compression.ShouldTry())
        {
            return data;
        }
        if (PageCompression.TryCompress(data, _compressed, out int length))
        {
            _compression.Record(data.Length, length);
            encoding = PageEncoding.Brotli;
            return _compressed.AsSpan(0, length);
        }
        _compression.Record(data.Length, data.Length);
        return data;
    }
}
