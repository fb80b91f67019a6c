using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// How an archive turns plain bytes into stored bytes and back, and names blobs. Stored bytes are
/// "codec, body": codec 0 is the plain bytes as they are; codec 1 is their length (u32) and their
/// Brotli compression, used when it saves space and the archive has no dictionary; codec 2 is their
/// length (u32) and a zstd frame compressed with the archive's <see cref="CompressionDictionary"/>.
/// With a key, that is sealed with AES-256-GCM: a random 12-byte nonce, the ciphertext, the 16-byte
/// tag, authenticated together with a context the reader knows (a blob's kind and id, an object's key),
/// so that no stored bytes can be swapped for others. Without a key, a 16-byte checksum of the context
/// and those bytes follows them, so that damage is found (not tampering: whoever can write an
/// unencrypted archive can recompute it). Opening checks all of it and the plain length before anything
/// is used. docs/archive.md.
/// </summary>
internal sealed class Sealer : IDisposable
{
    private const byte Stored = 0;
    private const byte Brotli = 1;
    private const byte ZstdWithDictionary = 2;
    // Quality 1: a quarter of quality 5's time per page for 11% more bytes (docs/benchmarks.md, "Archive primitives").
    private const int BrotliQuality = 1;
    private const int BrotliWindow = 22;
    private const int NonceLength = 12;
    private const int TagLength = 16;

    private readonly AesGcm? _aes;
    private readonly byte[]? _namingKey;

    private Sealer(AesGcm? aes, byte[]? namingKey)
    {
        _aes = aes;
        _namingKey = namingKey;
    }

    public static Sealer Plain() => new(null, null);

    /// <summary>Whether it seals with a key (its AES-GCM instance serves one thread at a time).</summary>
    public bool IsEncrypted => _aes is not null;

    private readonly Lock _dictionaryGate = new();
    private Action? _loadDictionary;
    private bool _loadingDictionary;
    private CompressionDictionary? _dictionary;
    private string? _dictionaryProblem;

    /// <summary>The archive's dictionary once it is read or trained: from then on, what is compressed is compressed with it.</summary>
    public CompressionDictionary? Dictionary
    {
        get
        {
            LoadDictionary();
            return _dictionary;
        }
        set => _dictionary = value;
    }

    /// <summary>Why the archive's dictionary could not be read, when it could not; null otherwise.</summary>
    public string? DictionaryProblem
    {
        get
        {
            LoadDictionary();
            return _dictionaryProblem;
        }
        set => _dictionaryProblem = value;
    }

    /// <summary>
    /// Has <paramref name="load"/> set the dictionary when it is first asked for, not before: an add that
    /// stores no page, or a restore of pages compressed without it, never reads it (a request saved).
    /// </summary>
    public void LoadDictionaryWhenNeeded(Action load) => _loadDictionary = load;

    /// <summary>
    /// Runs the pending load once: other threads wait for it; the loading thread itself, asking again (a
    /// dictionary object that claims to be compressed with itself), finds none instead of loading forever.
    /// One that fails is tried again by the next asker.
    /// </summary>
    private void LoadDictionary()
    {
        if (Volatile.Read(ref _loadDictionary) is null)
        {
            return;
        }
        lock (_dictionaryGate)
        {
            if (_loadDictionary is not { } load || _loadingDictionary)
            {
                return;
            }
            _loadingDictionary = true;
            try
            {
                load();
                Volatile.Write(ref _loadDictionary, null);
            }
            finally
            {
                _loadingDictionary = false;
            }
        }
    }

    public static Sealer Encrypted(ArchiveKey key, ReadOnlySpan<byte> archiveId) =>
        new(new AesGcm(key.SealingKey(archiveId), TagLength), key.NamingKey(archiveId));

    /// <summary>The id of a blob with these plain bytes.</summary>
    public BlobId IdOf(ReadOnlySpan<byte> plain)
    {
        Span<byte> hash = stackalloc byte[BlobId.Length];
        if (_namingKey is null)
        {
            SHA256.HashData(plain, hash);
        }
        else
        {
            HMACSHA256.HashData(_namingKey, plain, hash);
        }
        return BlobId.Read(hash);
    }

    /// <summary>The stored bytes of <paramref name="plain"/>, compressed when that saves space if <paramref name="compress"/>.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plain, ReadOnlySpan<byte> context, bool compress = true)
    {
        // The encoded bytes are written where they are stored and sealed in place: one array of the
        // stored length (a map part is 3.4 MB, and a copy per step would be garbage of that size).
        var compressed = compress ? Compress(plain) : default;
        int encodedLength = compressed.Array is null ? 1 + plain.Length : compressed.Count;
        int before = _aes is null ? 0 : NonceLength;
        var result = new byte[before + encodedLength + TagLength];
        var encoded = result.AsSpan(before, encodedLength);
        if (compressed.Array is not null)
        {
            compressed.AsSpan().CopyTo(encoded);
        }
        else
        {
            encoded[0] = Stored;
            plain.CopyTo(encoded[1..]);
        }
        var tag = result.AsSpan(before + encodedLength);
        if (_aes is null)
        {
            Checksum(encoded, context, tag);
        }
        else
        {
            var nonce = result.AsSpan(0, NonceLength);
            RandomNumberGenerator.Fill(nonce);
            _aes.Encrypt(nonce, encoded, encoded, tag, context);
        }
        return result;
    }

    /// <summary>The plain bytes of <paramref name="stored"/>, at most <paramref name="maxLength"/> of them.</summary>
    /// <exception cref="InvalidDataException">The bytes are damaged, were sealed with another key or context, or are too long.</exception>
    public byte[] Open(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> context, int maxLength)
    {
        byte[]? rented = null;
        try
        {
            var encoded = Unseal(stored, context, ref rented);
            var plain = new byte[PlainLength(encoded, maxLength)];
            DecodeInto(encoded, plain);
            return plain;
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>
    /// Opens <paramref name="stored"/> into <paramref name="destination"/>, whose length its plain bytes
    /// must have: a restore opens every page this way, into its window, allocating nothing. With
    /// <paramref name="plainChecked"/> (the caller checks the plain bytes against a hash it holds, which
    /// finds any damage the checksum would), an unencrypted blob's checksum is not computed: a restore
    /// then hashes each page once, not twice. A key's tag is always checked.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are damaged, were sealed with another key or context, or have another length.</exception>
    public void OpenInto(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> context, Span<byte> destination, bool plainChecked = false)
    {
        byte[]? rented = null;
        try
        {
            var encoded = Unseal(stored, context, ref rented, verifyChecksum: !plainChecked);
            int length = PlainLength(encoded, destination.Length);
            if (length != destination.Length)
            {
                throw new InvalidDataException($"it holds {length} bytes, not {destination.Length}");
            }
            DecodeInto(encoded, destination);
        }
        finally
        {
            Return(rented);
        }
    }

    public void Dispose()
    {
        _aes?.Dispose();
        _dictionary?.Dispose();
    }

    /// <summary>An unencrypted object's check, in place of the tag: XXH3-128 of the context's length (u32), the context and the encoded bytes.</summary>
    private static void Checksum(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> context, Span<byte> destination)
    {
        var hash = new XxHash128();
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)context.Length);
        hash.Append(length);
        hash.Append(context);
        hash.Append(encoded);
        hash.GetCurrentHash(destination);
    }

    /// <summary>
    /// Codec 2 and the compression of <paramref name="plain"/> with the dictionary, or without one codec 1
    /// and its Brotli compression; empty (no array) when that would not be shorter.
    /// </summary>
    private ArraySegment<byte> Compress(ReadOnlySpan<byte> plain)
    {
        if (plain.Length <= 16)
        {
            return default;
        }
        var buffer = new byte[1 + 4 + plain.Length];
        int written;
        if (Dictionary is { } dictionary)
        {
            buffer[0] = ZstdWithDictionary;
            written = dictionary.Compress(plain, buffer.AsSpan(5, plain.Length - 5));
        }
        else
        {
            buffer[0] = Brotli;
            written = BrotliEncoder.TryCompress(plain, buffer.AsSpan(5, plain.Length - 5), out int brotli, BrotliQuality, BrotliWindow) ? brotli : -1;
        }
        if (written < 0)
        {
            return default;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(1), (uint)plain.Length);
        // Not copied to its length: Seal copies it once, into the stored bytes.
        return new ArraySegment<byte>(buffer, 0, 5 + written);
    }

    /// <summary>The encoded bytes (codec, body) of <paramref name="stored"/>, checked; decrypted into a rented buffer when sealed with a key.</summary>
    private ReadOnlySpan<byte> Unseal(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> context, ref byte[]? rented, bool verifyChecksum = true)
    {
        if (_aes is null)
        {
            if (stored.Length < 1 + TagLength)
            {
                throw new InvalidDataException($"{stored.Length} bytes are too short to be stored bytes");
            }
            if (!verifyChecksum)
            {
                return stored[..^TagLength];
            }
            Span<byte> checksum = stackalloc byte[TagLength];
            Checksum(stored[..^TagLength], context, checksum);
            if (!checksum.SequenceEqual(stored[^TagLength..]))
            {
                throw new InvalidDataException("the bytes are damaged (their checksum does not match)");
            }
            return stored[..^TagLength];
        }
        if (stored.Length < NonceLength + 1 + TagLength)
        {
            throw new InvalidDataException($"{stored.Length} bytes are too short to be sealed");
        }
        int length = stored.Length - NonceLength - TagLength;
        rented = ArrayPool<byte>.Shared.Rent(length);
        var encoded = rented.AsSpan(0, length);
        try
        {
            _aes.Decrypt(stored[..NonceLength], stored.Slice(NonceLength, length), stored[^TagLength..], encoded, context);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new InvalidDataException("the bytes do not open with this key (damaged, or sealed with another key)");
        }
        return encoded;
    }

    /// <summary>How many plain bytes <paramref name="encoded"/> holds, checked to be at most <paramref name="maxLength"/>.</summary>
    private static int PlainLength(ReadOnlySpan<byte> encoded, int maxLength)
    {
        if (encoded.Length == 0)
        {
            throw new InvalidDataException("no bytes");
        }
        switch (encoded[0])
        {
            case Stored when encoded.Length - 1 <= maxLength:
                return encoded.Length - 1;
            case Brotli or ZstdWithDictionary when encoded.Length >= 5:
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(encoded[1..]);
                return length <= maxLength ? (int)length
                    : throw new InvalidDataException($"it claims {length} bytes, more than the {maxLength} it may hold");
            default:
                throw new InvalidDataException(encoded[0] is Stored or Brotli or ZstdWithDictionary ? "it is too long or too short"
                    : $"unknown codec {encoded[0]}");
        }
    }

    /// <summary>Decodes <paramref name="encoded"/> into exactly <paramref name="plain"/> (its <see cref="PlainLength"/>).</summary>
    private void DecodeInto(ReadOnlySpan<byte> encoded, Span<byte> plain)
    {
        switch (encoded[0])
        {
            case Stored:
                encoded[1..].CopyTo(plain);
                break;
            case ZstdWithDictionary:
                (Dictionary ?? throw new InvalidDataException(
                    $"it is compressed with the archive's dictionary, and {DictionaryProblem ?? "the archive has none"}"))
                    .Decompress(encoded[5..], plain);
                break;
            default:
                if (!BrotliDecoder.TryDecompress(encoded[5..], plain, out int written) || written != plain.Length)
                {
                    throw new InvalidDataException("it does not decompress to the length it claims");
                }
                break;
        }
    }

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }
}
