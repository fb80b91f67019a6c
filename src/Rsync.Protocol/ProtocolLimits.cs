namespace SqlRsync.Protocol;

/// <summary>Upper bounds on everything a peer can announce, checked before anything is allocated.</summary>
internal static class ProtocolLimits
{
    /// <summary>SQLite's largest page size.</summary>
    public const int MaxPageSize = 65536;

    /// <summary>The largest payload of any frame: a page plus its small header.</summary>
    public const int MaxPayload = MaxPageSize + 16;

    /// <summary>Hashes per Hashes frame (64 KiB of hashes).</summary>
    public const int HashesPerFrame = 4096;

    /// <summary>Node indices per NodeRequest frame (64 KiB of indices).</summary>
    public const int NodesPerFrame = 16384;

    /// <summary>Blocks a page is cut into for a delta: a PageDelta's block mask is a u32.</summary>
    public const int BlocksPerPage = 32;

    /// <summary>Pages one block request may name: the origin holds all their block hashes at once (256 bytes a page, 1 MiB).</summary>
    public const int PagesPerBlockRequest = 4096;

    /// <summary>
    /// Bytes of hashes a replica sends unasked, whole levels from the top down (the top level always): what a link of
    /// 50-150 ms and 10-200 Mbit/s carries in about one round trip. The origin reads no level past it, so it also bounds
    /// what the origin holds of them.
    /// </summary>
    public const int EagerHashBytes = 512 * 1024;

    /// <summary>Block hashes per BlockHashes frame: the blocks of 256 pages (64 KiB).</summary>
    public const int BlockHashesPerFrame = 8192;

    /// <summary>Bytes of text in an Error message.</summary>
    public const int MaxErrorText = 4096;

    /// <summary>SQLite's largest page number.</summary>
    public const uint MaxPageCount = 4294967294;

    /// <summary>Whether SQLite can use <paramref name="pageSize"/>: a power of two from 512 to 65,536.</summary>
    public static bool IsPageSize(uint pageSize) => pageSize is >= 512 and <= MaxPageSize && System.Numerics.BitOperations.IsPow2(pageSize);
}
