using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using SqlRsync.Storage;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// Index objects, "index/ID": which blobs each pack holds, so that a blob is found without reading
/// packs. Each is written by one add or prune, for the packs it wrote, sealed with context "index":
/// a version (u8, 1), a pack count (u32), then per pack its id, its length (u64) and its entries
/// (a count and <see cref="PackEntry"/>s, as in the pack's header). The id is the SHA-256 of the
/// stored bytes. A blob may be listed by more than one index (a prune that was interrupted); any
/// listing whose pack exists is good.
/// </summary>
internal static class PackIndex
{
    public const string Prefix = "index/";
    private static ReadOnlySpan<byte> Context => "index"u8;
    private const byte Version = 1;
    private const int MaxLength = 256 << 20;

    /// <summary>
    /// The most an index object lists, in plain bytes (about 50,000 blobs): a reader holds one at a
    /// time, twice (stored and opened), so this bounds its memory; far under what it accepts (<see cref="MaxLength"/>).
    /// </summary>
    public const int MostPerIndex = 2 << 20;

    /// <summary>Index objects visited side by side.</summary>
    private const int MostAtOnce = 2;

    /// <summary>
    /// Writes index objects listing <paramref name="packs"/>, durably, as many as it takes to keep each
    /// under <see cref="MostPerIndex"/> (a first snapshot of a large database lists millions of blobs):
    /// each one's key and length, and whether it was created (false: one of the same bytes was there).
    /// </summary>
    public static List<(StoredObject Object, bool Created)> Write(ObjectStore store, Sealer sealer, IReadOnlyList<PackRecord> packs,
        int mostPerIndex = MostPerIndex)
    {
        var written = new List<(StoredObject, bool)>();
        int from = 0;
        while (from < packs.Count)
        {
            int to = from;
            long size = 5 + Size(packs[from]);
            while (to + 1 < packs.Count && size + Size(packs[to + 1]) <= mostPerIndex)
            {
                size += Size(packs[++to]);
            }
            written.Add(WriteOne(store, sealer, packs.Skip(from).Take(to - from + 1).ToList(), size));
            from = to + 1;
        }
        return written;
    }

    private static long Size(PackRecord pack) => BlobId.Length + 8 + 4 + (long)pack.Entries.Count * PackEntry.Size;

    private static (StoredObject, bool) WriteOne(ObjectStore store, Sealer sealer, List<PackRecord> packs, long size)
    {
        // Sized exactly: doubling would hold half as much again.
        using var plain = new MemoryStream((int)size);
        plain.WriteByte(Version);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(number, (uint)packs.Count);
        plain.Write(number[..4]);
        Span<byte> id = stackalloc byte[BlobId.Length];
        foreach (var pack in packs)
        {
            pack.Id.Write(id);
            plain.Write(id);
            BinaryPrimitives.WriteUInt64LittleEndian(number, (ulong)pack.Length);
            plain.Write(number);
            plain.Write(Pack.WriteEntries(pack.Entries));
        }
        var stored = sealer.Seal(plain.GetBuffer().AsSpan(0, (int)plain.Length), Context, compress: false);
        var key = Prefix + Convert.ToHexStringLower(SHA256.HashData(stored));
        return (new StoredObject(key, stored.Length), store.Create(key, stored));
    }

    /// <summary>The packs an index object lists.</summary>
    /// <exception cref="InvalidDataException">It is damaged.</exception>
    public static List<PackRecord> Read(ReadOnlySpan<byte> stored, Sealer sealer)
    {
        var packs = new List<PackRecord>();
        List<PackEntry>? entries = null;
        Visit(stored, sealer, (id, length) => packs.Add(new PackRecord(id, length, entries = [])), (_, entry) => entries!.Add(entry));
        return packs;
    }

    /// <summary>
    /// Each pack an index object lists (<paramref name="pack"/>: its id and length), then each of its
    /// entries (<paramref name="entry"/>: the pack's key and the entry), without holding them: reading a
    /// large index costs its bytes, not a list of its entries. With <paramref name="only"/>, entries of
    /// other kinds are skipped unread (a restore looks for its few map parts among every page's entry).
    /// </summary>
    /// <exception cref="InvalidDataException">It is damaged.</exception>
    public static void Visit(ReadOnlySpan<byte> stored, Sealer sealer, Action<BlobId, long>? pack, Action<string, PackEntry> entry,
        BlobKind? only = null)
    {
        var plain = sealer.Open(stored, Context, MaxLength);
        var reader = new ByteReader(plain);
        if (reader.U8() != Version)
        {
            throw new InvalidDataException("unknown index version");
        }
        uint packCount = reader.U32();
        for (uint i = 0; i < packCount; i++)
        {
            var id = reader.Id();
            ulong length = reader.U64();
            if (length > Pack.MaxLength)
            {
                throw new InvalidDataException($"it lists a pack of {length} bytes, more than any pack may have");
            }
            pack?.Invoke(id, (long)length);
            string key = Pack.KeyOf(id);
            uint count = reader.U32();
            for (uint j = 0; j < count; j++)
            {
                var bytes = reader.Bytes(PackEntry.Size);
                if (only is null || bytes[0] == (byte)only)
                {
                    entry(key, PackEntry.Read(bytes, (long)length));
                }
            }
        }
        reader.End();
    }

    /// <summary>Each pack and entry of every index object (see <see cref="Visit"/>).</summary>
    /// <exception cref="InvalidDataException">An index object is damaged (its key is in the message).</exception>
    public static void VisitAll(ObjectStore store, Sealer sealer, Action<BlobId, long>? pack, Action<string, PackEntry> entry,
        BlobKind? only = null)
    {
        foreach (var (key, bytes) in ReadEach(store))
        {
            VisitObject(key, bytes, sealer, pack, entry, only);
        }
    }

    /// <summary>
    /// The entries of kind <paramref name="only"/> of every index object, as <see cref="VisitAll"/> gives
    /// them, but two objects opened and visited side by side (a restore's first page waits for them):
    /// <paramref name="visitorOfObject"/> makes the visitor of one object, which may run beside others.
    /// The store is read one object at a time, as stores are used; an encrypted archive's on one thread.
    /// More at once would hold more memory (each object twice, stored and opened) for little: one index
    /// object is a small share of a restore's work.
    /// </summary>
    /// <exception cref="InvalidDataException">An index object is damaged (its key is in the message).</exception>
    public static void VisitAllAtOnce(ObjectStore store, Sealer sealer, BlobKind only, Func<Action<string, PackEntry>> visitorOfObject)
    {
        if (sealer.IsEncrypted)
        {
            foreach (var (key, bytes) in ReadEach(store))
            {
                VisitObject(key, bytes, sealer, null, visitorOfObject(), only);
            }
            return;
        }
        try
        {
            Parallel.ForEach(Partitioner.Create(ReadEach(store), EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = MostAtOnce },
                stored => VisitObject(stored.Key, stored.Bytes, sealer, null, visitorOfObject(), only));
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    private static IEnumerable<(string Key, byte[] Bytes)> ReadEach(ObjectStore store)
    {
        foreach (var stored in store.List(Prefix))
        {
            yield return (stored.Key, store.Read(stored.Key) ?? throw new InvalidDataException($"{stored.Key} went away while it was read"));
        }
    }

    private static void VisitObject(string key, byte[] bytes, Sealer sealer, Action<BlobId, long>? pack, Action<string, PackEntry> entry,
        BlobKind? only)
    {
        try
        {
            Visit(bytes, sealer, pack, entry, only);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{key}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Where the blobs <paramref name="wanted"/>, all of kind <paramref name="kind"/>, lie, read from every
    /// index object (those not found are absent from the result). Memory follows the blobs wanted, not the
    /// archive's size.
    /// </summary>
    /// <exception cref="InvalidDataException">An index object is damaged (its key is in the message).</exception>
    public static Dictionary<BlobId, BlobLocation> Locate(ObjectStore store, Sealer sealer, BlobKind kind, IReadOnlySet<BlobId> wanted)
    {
        var found = new Dictionary<BlobId, BlobLocation>();
        VisitAll(store, sealer, null, (packKey, entry) =>
        {
            if (wanted.Contains(entry.Id))
            {
                found.TryAdd(entry.Id, new BlobLocation(packKey, entry));
            }
        }, kind);
        return found;
    }
}

/// <summary>A blob's pack (its object key) and its entry there.</summary>
internal readonly record struct BlobLocation(string PackKey, PackEntry Entry);
