using System.IO.Compression;

namespace SqlRsync.Engine.Compression;

/// <summary>
/// Per-page Brotli at quality 1: one-shot, allocation-free calls, fast enough not to slow a sync over
/// ssh (docs/benchmarks.md compares it with Deflate). A page that does not shrink goes raw.
/// </summary>
internal static class PageCompression
{
    private const int Quality = 1;
    private const int Window = 22;

    /// <summary>Compresses <paramref name="page"/> into <paramref name="destination"/>; false when that would not save space.</summary>
    public static bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        // Only worth it when it saves at least a little; the destination is one byte shorter than the page.
        return BrotliEncoder.TryCompress(page, destination[..(page.Length - 1)], out written, Quality, Window);
    }

    /// <summary>Decompresses a page body, which must come out at exactly <paramref name="destination"/>'s length.</summary>
    public static bool TryDecompress(ReadOnlySpan<byte> body, Span<byte> destination)
    {
        return BrotliDecoder.TryDecompress(body, destination, out int written) && written == destination.Length;
    }
}
