using SqlRsync.Storage;

namespace SqlRsync.Engine.Archives;

/// <summary>Reads blobs from their packs and opens them, checking each is what its location says.</summary>
internal sealed class BlobReader(ObjectStore store, Sealer sealer)
{
    /// <summary>The context a blob is sealed with: its kind and id, so that no stored blob opens as another.</summary>
    public static byte[] ContextOf(BlobKind kind, BlobId id)
    {
        var context = new byte[ContextLength];
        WriteContext(kind, id, context);
        return context;
    }

    public const int ContextLength = 1 + BlobId.Length;

    /// <summary>Writes a blob's context (<see cref="ContextOf"/>) into <paramref name="destination"/>, for a caller that allocates nothing.</summary>
    public static void WriteContext(BlobKind kind, BlobId id, Span<byte> destination)
    {
        destination[0] = (byte)kind;
        id.Write(destination[1..]);
    }

    private const int MostAtOnce = 2;

    /// <summary>
    /// The plain bytes of the blobs at <paramref name="locations"/>, each at most <paramref name="maxLength"/>
    /// and given to <paramref name="visit"/> with its index, in order; with <paramref name="checkId"/>, each
    /// also checked to hash to its id (the stored bytes alone are checked otherwise: their seal, their
    /// length, and for pages the caller's compare hash). Two at a time (whose bytes are in memory
    /// together) are read one after the other, as stores are used, and opened side by side, unless encrypted.
    /// </summary>
    /// <exception cref="InvalidDataException">A blob is damaged, or its pack is missing or cut short.</exception>
    public void ReadInOrder(IReadOnlyList<BlobLocation> locations, int maxLength, bool checkId, Action<int, byte[]> visit)
    {
        int atOnce = sealer.IsEncrypted ? 1 : Math.Min(Environment.ProcessorCount, MostAtOnce);
        for (int first = 0; first < locations.Count; first += atOnce)
        {
            int count = Math.Min(atOnce, locations.Count - first);
            var stored = new byte[count][];
            for (int i = 0; i < count; i++)
            {
                var location = locations[first + i];
                try
                {
                    stored[i] = store.ReadRange(location.PackKey, location.Entry.Offset, (int)location.Entry.Length);
                }
                catch (IOException e)
                {
                    throw new InvalidDataException($"pack {location.PackKey}: {e.Message}", e);
                }
            }
            var plain = new byte[count][];
            try
            {
                Parallel.For(0, count, i => plain[i] = Open(stored[i], locations[first + i], maxLength, checkId));
            }
            catch (AggregateException e)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
            for (int i = 0; i < count; i++)
            {
                visit(first + i, plain[i]);
            }
        }
    }

    /// <summary>Opens a blob's stored bytes, already read (a pack read whole).</summary>
    public byte[] Open(ReadOnlySpan<byte> stored, BlobLocation location, int maxLength, bool checkId)
    {
        var entry = location.Entry;
        byte[] plain;
        try
        {
            plain = sealer.Open(stored, ContextOf(entry.Kind, entry.Id), maxLength);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"blob {entry.Id} in pack {location.PackKey}: {e.Message}", e);
        }
        if (checkId && sealer.IdOf(plain) != entry.Id)
        {
            throw new InvalidDataException($"blob {entry.Id} in pack {location.PackKey} holds other bytes than its id says");
        }
        return plain;
    }
}
