using SqlRsync.Storage;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// The archive's zstd dictionary, the object "dictionary" (sealed with context "dictionary"): trained
/// once, from the first pages an add stores, and used for every page compressed after it. A page
/// compressed alone cannot use what it shares with the other pages of its database (the words of its
/// rows, its b-tree layout); with a dictionary trained on them, a changed page of text rows cost 356
/// bytes in all where Brotli alone made 490 (docs/benchmarks.md, "Snapshot archives against restic
/// and borg"). Written before the first pack that uses it, and never replaced: an archive has one
/// dictionary, or none.
/// </summary>
internal sealed class CompressionDictionary : IDisposable
{
    public const string Key = "dictionary";
    private static ReadOnlySpan<byte> Context => "dictionary"u8;

    /// <summary>The most a dictionary holds; zstd's trainer makes it at most this long.</summary>
    private const int Capacity = 64 << 10;

    /// <summary>Level 1 with a dictionary: within a few percent of level 3's size, at about twice its speed.</summary>
    private const int Level = 1;

    /// <summary>The page bytes an add keeps back to train a dictionary on, at most.</summary>
    public const int SampleBytes = 1 << 20;

    /// <summary>Fewer pages than this say too little to train on: they are stored without a dictionary.</summary>
    public const int MinimumSamples = 64;

    // An add compresses on one thread; a restore decompresses on several, each with a decompressor of its own.
    private readonly Compressor _compressor = new(Level);
    private readonly Lock _lock = new();
    private readonly ThreadLocal<Decompressor> _decompressor;

    private CompressionDictionary(byte[] bytes)
    {
        Bytes = bytes;
        _compressor.LoadDictionary(bytes);
        // The frame needs neither: the stored bytes say the plain length, and an archive has one dictionary.
        _compressor.SetParameter(ZSTD_cParameter.ZSTD_c_contentSizeFlag, 0);
        _compressor.SetParameter(ZSTD_cParameter.ZSTD_c_dictIDFlag, 0);
        _decompressor = new ThreadLocal<Decompressor>(() =>
        {
            var decompressor = new Decompressor();
            decompressor.LoadDictionary(bytes);
            return decompressor;
        }, trackAllValues: true);
        // Loaded once here, so that a dictionary zstd cannot load is refused when it is read.
        _ = _decompressor.Value;
    }

    public byte[] Bytes { get; }

    /// <summary>The archive's dictionary, or null when it has none.</summary>
    /// <exception cref="InvalidDataException">It is damaged.</exception>
    public static CompressionDictionary? Read(ObjectStore store, Sealer sealer)
    {
        var stored = store.Read(Key);
        if (stored is null)
        {
            return null;
        }
        var bytes = sealer.Open(stored, Context, Capacity);
        try
        {
            return new CompressionDictionary(bytes);
        }
        catch (ZstdException e)
        {
            throw new InvalidDataException($"its dictionary is not one zstd can load ({e.Message})", e);
        }
    }

    /// <summary>
    /// A dictionary trained on <paramref name="pages"/>, or null when they do not compress (random or
    /// encrypted data: a dictionary would only cost) or zstd's trainer finds nothing to learn.
    /// </summary>
    public static CompressionDictionary? Train(IReadOnlyList<byte[]> pages)
    {
        if (pages.Count < MinimumSamples || !Compressible(pages))
        {
            return null;
        }
        try
        {
            return new CompressionDictionary(DictBuilder.TrainFromBuffer(pages, Capacity));
        }
        catch (ZstdException)
        {
            return null;
        }
    }

    /// <summary>Stores it as the archive's dictionary, durably; false when the archive has one already.</summary>
    public bool Write(ObjectStore store, Sealer sealer) => store.Create(Key, sealer.Seal(Bytes, Context, compress: false));

    /// <summary>Compresses <paramref name="plain"/> into <paramref name="destination"/>: the bytes written, or -1 when they do not fit.</summary>
    public int Compress(ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        lock (_lock)
        {
            try
            {
                return _compressor.Wrap(plain, destination);
            }
            catch (ZstdException)
            {
                return -1;
            }
        }
    }

    /// <summary>Decompresses <paramref name="compressed"/> into exactly <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">It does not decompress to that length.</exception>
    public void Decompress(ReadOnlySpan<byte> compressed, Span<byte> destination)
    {
        int written;
        try
        {
            written = _decompressor.Value!.Unwrap(compressed, destination);
        }
        catch (ZstdException e)
        {
            throw new InvalidDataException($"it does not decompress with the archive's dictionary ({e.Message})", e);
        }
        if (written != destination.Length)
        {
            throw new InvalidDataException("it does not decompress to the length it claims");
        }
    }

    public void Dispose()
    {
        _compressor.Dispose();
        foreach (var decompressor in _decompressor.Values)
        {
            decompressor.Dispose();
        }
        _decompressor.Dispose();
    }

    /// <summary>Whether a few of the pages shrink by a tenth or more at zstd's fastest level, without a dictionary.</summary>
    private static bool Compressible(IReadOnlyList<byte[]> pages)
    {
        using var probe = new Compressor(1);
        long plain = 0, compressed = 0;
        var buffer = new byte[Compressor.GetCompressBound(pages[0].Length)];
        for (int i = 0; i < pages.Count; i += Math.Max(1, pages.Count / 16))
        {
            plain += pages[i].Length;
            compressed += probe.Wrap(pages[i], buffer);
        }
        return compressed < plain * 0.9;
    }
}
