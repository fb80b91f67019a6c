using System.Buffers.Binary;

namespace Rsync.Core.Hashing;

/// <summary>
/// XXH3-128, shaped like System.IO.Hashing.XxHash128 (static <see cref="Hash(ReadOnlySpan{byte}, long)"/>,
/// incremental <see cref="Append"/> / <see cref="GetCurrentHash()"/> / <see cref="Reset"/>) so that the
/// package can replace it once it is available. Hash bytes are in the canonical big-endian order that
/// <c>xxhsum -H2</c> prints.
/// </summary>
public sealed class XxHash128
{
    /// <summary>Bytes in a hash.</summary>
    public const int HashLengthInBytes = 16;

    // Inputs are buffered until more data proves they are not the last stripe, which is hashed differently.
    private const int BufferLength = 4 * Xxh3.StripeLength;

    private readonly ulong _seed;
    private readonly byte[] _secret;
    private readonly byte[] _buffer = new byte[BufferLength];
    private readonly byte[] _lastConsumedStripe = new byte[Xxh3.StripeLength];
    private Xxh3.Accumulators _accumulators;
    private int _stripesInBlock;
    private int _bufferedLength;
    private ulong _totalLength;

    public XxHash128() : this(0)
    {
    }

    public XxHash128(long seed)
    {
        _seed = (ulong)seed;
        _secret = new byte[Xxh3.SecretLength];
        if (seed == 0)
        {
            Xxh3.DefaultSecret.CopyTo(_secret);
        }
        else
        {
            Xxh3.DeriveSecret(_seed, _secret);
        }
        Reset();
    }

    /// <summary>The hash of <paramref name="source"/> in canonical byte order.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> source, long seed = 0)
    {
        var hash = new byte[HashLengthInBytes];
        BinaryPrimitives.WriteUInt128BigEndian(hash, Xxh3.Hash(source, (ulong)seed));
        return hash;
    }

    /// <summary>Writes the hash of <paramref name="source"/> to <paramref name="destination"/>; returns 16.</summary>
    public static int Hash(ReadOnlySpan<byte> source, Span<byte> destination, long seed = 0)
    {
        if (destination.Length < HashLengthInBytes)
        {
            throw new ArgumentException($"The destination needs {HashLengthInBytes} bytes.", nameof(destination));
        }
        BinaryPrimitives.WriteUInt128BigEndian(destination, Xxh3.Hash(source, (ulong)seed));
        return HashLengthInBytes;
    }

    /// <summary>The hash of <paramref name="source"/> as a number (high 64 bits first in canonical form).</summary>
    public static UInt128 HashToUInt128(ReadOnlySpan<byte> source, long seed = 0) => Xxh3.Hash(source, (ulong)seed);

    public void Reset()
    {
        _accumulators = Xxh3.Accumulators.Initial();
        _stripesInBlock = 0;
        _bufferedLength = 0;
        _totalLength = 0;
    }

    public void Append(ReadOnlySpan<byte> source)
    {
        _totalLength += (ulong)source.Length;
        if (_bufferedLength + source.Length <= BufferLength)
        {
            source.CopyTo(_buffer.AsSpan(_bufferedLength));
            _bufferedLength += source.Length;
            return;
        }

        // More input follows the buffer's contents, so none of them is the final stripe.
        if (_bufferedLength > 0)
        {
            int fill = BufferLength - _bufferedLength;
            source[..fill].CopyTo(_buffer.AsSpan(_bufferedLength));
            source = source[fill..];
            Consume(_buffer, BufferLength / Xxh3.StripeLength);
            _bufferedLength = 0;
        }
        if (source.Length > BufferLength)
        {
            int stripes = (source.Length - 1) / Xxh3.StripeLength;
            Consume(source, stripes);
            source = source[(stripes * Xxh3.StripeLength)..];
        }
        source.CopyTo(_buffer);
        _bufferedLength = source.Length;
    }

    public byte[] GetCurrentHash()
    {
        var hash = new byte[HashLengthInBytes];
        BinaryPrimitives.WriteUInt128BigEndian(hash, GetCurrentHashAsUInt128());
        return hash;
    }

    public UInt128 GetCurrentHashAsUInt128()
    {
        if (_totalLength <= Xxh3.MidSizeMax)
        {
            return Xxh3.Hash(_buffer.AsSpan(0, _bufferedLength), _seed);
        }

        var accumulators = _accumulators;
        int stripesInBlock = _stripesInBlock;
        var buffered = _buffer.AsSpan(0, _bufferedLength);
        Xxh3.ConsumeStripes(ref accumulators, ref stripesInBlock, buffered, (buffered.Length - 1) / Xxh3.StripeLength, _secret);

        Span<byte> lastStripe = stackalloc byte[Xxh3.StripeLength];
        int fromEarlier = Xxh3.StripeLength - buffered.Length;
        if (fromEarlier > 0)
        {
            _lastConsumedStripe.AsSpan(Xxh3.StripeLength - fromEarlier).CopyTo(lastStripe);
            buffered.CopyTo(lastStripe[fromEarlier..]);
        }
        else
        {
            buffered[^Xxh3.StripeLength..].CopyTo(lastStripe);
        }
        return Xxh3.FinishLong(ref accumulators, lastStripe, _totalLength, _secret);
    }

    private void Consume(ReadOnlySpan<byte> input, int stripes)
    {
        Xxh3.ConsumeStripes(ref _accumulators, ref _stripesInBlock, input, stripes, _secret);
        input.Slice((stripes - 1) * Xxh3.StripeLength, Xxh3.StripeLength).CopyTo(_lastConsumedStripe);
    }
}
