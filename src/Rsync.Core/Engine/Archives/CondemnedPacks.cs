using System.Buffers.Binary;
using System.Security.Cryptography;
using SqlRsync.Storage;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// The packs a prune found unneeded but may not delete yet, where adds go without the lock (the store's
/// <see cref="ObjectStore.PruneGrace"/>): each with the time it was first found unneeded, by the store's
/// clock. A later prune deletes those still unneeded once the grace has passed since that time. Kept in
/// "condemned/SHA256" objects (named by their stored bytes), sealed with the context "condemned"; plain,
/// version (u8, 1), count (u32), then per pack its id (32) and that time (i64, Unix milliseconds). One
/// that does not open condemns nothing: its packs are only found unneeded again, later.
/// </summary>
internal static class CondemnedPacks
{
    public const string Prefix = "condemned/";
    private const byte Version = 1;
    private const int EntryLength = BlobId.Length + 8;
    private const int MostPacks = 1 << 20;  // 8 TiB of packs: more than any archive's unneeded ones
    private static ReadOnlySpan<byte> Context => "condemned"u8;

    /// <summary>The objects that list condemned packs, and each pack key's earliest time in them.</summary>
    public static (IReadOnlyList<string> Objects, Dictionary<string, DateTimeOffset> Since) Read(SnapshotArchive archive)
    {
        var objects = archive.Store.List(Prefix).Select(stored => stored.Key).ToList();
        var since = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var key in objects)
        {
            try
            {
                var plain = archive.Sealer.Open(archive.Store.Read(key) ?? [], Context, 1 + 4 + MostPacks * EntryLength);
                var reader = new ByteReader(plain);
                if (reader.U8() != Version)
                {
                    continue;
                }
                uint count = reader.U32();
                if ((long)count * EntryLength != reader.Remaining)
                {
                    continue;
                }
                for (uint entry = 0; entry < count; entry++)
                {
                    var pack = Pack.KeyOf(reader.Id());
                    var time = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp((long)reader.U64(), 0, 253402300799999));
                    since[pack] = since.TryGetValue(pack, out var earlier) && earlier < time ? earlier : time;
                }
            }
            catch (InvalidDataException)
            {
                // Damaged or planted: it condemns nothing, which only delays a deletion.
            }
        }
        return (objects, since);
    }

    /// <summary>Writes an object listing <paramref name="packs"/> with their times, durably; its key.</summary>
    /// <exception cref="IOException">It cannot be written.</exception>
    public static string Write(SnapshotArchive archive, IReadOnlyList<(BlobId Pack, DateTimeOffset Since)> packs)
    {
        var plain = new byte[1 + 4 + packs.Count * EntryLength];
        plain[0] = Version;
        BinaryPrimitives.WriteUInt32LittleEndian(plain.AsSpan(1), (uint)packs.Count);
        int at = 5;
        foreach (var (pack, since) in packs)
        {
            pack.Write(plain.AsSpan(at));
            BinaryPrimitives.WriteInt64LittleEndian(plain.AsSpan(at + BlobId.Length), since.ToUnixTimeMilliseconds());
            at += EntryLength;
        }
        var stored = archive.Sealer.Seal(plain, Context, compress: false);
        var key = Prefix + Convert.ToHexStringLower(SHA256.HashData(stored));
        archive.Store.Create(key, stored);
        return key;
    }
}
