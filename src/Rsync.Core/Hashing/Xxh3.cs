using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Rsync.Core.Hashing;

/// <summary>
/// The XXH3-128 algorithm, written from the public xxHash specification (doc/xxhash_spec.md,
/// "XXH3 Algorithm Description"). Inputs of 0-16, 17-240 and 241+ bytes take different paths;
/// the long path keeps eight 64-bit accumulators and has AVX2, SSE2 and scalar versions.
/// </summary>
internal static class Xxh3
{
    public const int StripeLength = 64;
    public const int StripesPerBlock = (SecretLength - StripeLength) / 8;
    public const int SecretLength = 192;
    public const int MidSizeMax = 240;

    private const ulong Prime32_1 = 0x9E3779B1UL;
    private const ulong Prime32_2 = 0x85EBCA77UL;
    private const ulong Prime32_3 = 0xC2B2AE3DUL;
    private const ulong Prime64_1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime64_2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime64_3 = 0x165667B19E3779F9UL;
    private const ulong Prime64_4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime64_5 = 0x27D4EB2F165667C5UL;
    private const ulong PrimeMx1 = 0x165667919E3779F9UL;
    private const ulong PrimeMx2 = 0x9FB21C651E98DF25UL;

    /// <summary>The specification's default 192-byte secret.</summary>
    public static ReadOnlySpan<byte> DefaultSecret =>
    [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ];

    /// <summary>Eight accumulators of the long-input path.</summary>
    [InlineArray(8)]
    public struct Accumulators
    {
        private ulong _element;

        public static Accumulators Initial()
        {
            var acc = new Accumulators();
            acc[0] = Prime32_3; acc[1] = Prime64_1; acc[2] = Prime64_2; acc[3] = Prime64_3;
            acc[4] = Prime64_4; acc[5] = Prime32_2; acc[6] = Prime64_5; acc[7] = Prime32_1;
            return acc;
        }
    }

    /// <summary>One-shot hash of any input.</summary>
    public static UInt128 Hash(ReadOnlySpan<byte> input, ulong seed)
    {
        if (input.Length <= 16)
        {
            return HashUpTo16(input, seed);
        }
        if (input.Length <= MidSizeMax)
        {
            return HashUpTo240(input, seed);
        }
        if (seed == 0)
        {
            return HashLong(input, DefaultSecret);
        }
        Span<byte> secret = stackalloc byte[SecretLength];
        DeriveSecret(seed, secret);
        return HashLong(input, secret);
    }

    /// <summary>The secret that a non-zero seed implies for inputs longer than 240 bytes.</summary>
    public static void DeriveSecret(ulong seed, Span<byte> secret)
    {
        for (int i = 0; i < SecretLength; i += 16)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(secret[i..], ReadU64(DefaultSecret, i) + seed);
            BinaryPrimitives.WriteUInt64LittleEndian(secret[(i + 8)..], ReadU64(DefaultSecret, i + 8) - seed);
        }
    }

    private static UInt128 HashLong(ReadOnlySpan<byte> input, ReadOnlySpan<byte> secret)
    {
        var acc = Accumulators.Initial();
        int stripesInBlock = 0;
        ConsumeStripes(ref acc, ref stripesInBlock, input, (input.Length - 1) / StripeLength, secret);
        return FinishLong(ref acc, input[^StripeLength..], (ulong)input.Length, secret);
    }

    /// <summary>
    /// Accumulates whole stripes, scrambling after every full block, exactly as the one-shot
    /// algorithm does; the streaming hasher calls it with the stripes it has so far.
    /// </summary>
    public static void ConsumeStripes(ref Accumulators acc, ref int stripesInBlock, ReadOnlySpan<byte> input, int stripes, ReadOnlySpan<byte> secret)
    {
        while (stripes > 0)
        {
            int count = Math.Min(stripes, StripesPerBlock - stripesInBlock);
            AccumulateStripes(ref acc, input[..(count * StripeLength)], secret[(stripesInBlock * 8)..]);
            input = input[(count * StripeLength)..];
            stripes -= count;
            stripesInBlock += count;
            if (stripesInBlock == StripesPerBlock)
            {
                Scramble(ref acc, secret[(SecretLength - StripeLength)..]);
                stripesInBlock = 0;
            }
        }
    }

    /// <summary>Accumulates the final stripe (the input's last 64 bytes) and merges the accumulators.</summary>
    public static UInt128 FinishLong(ref Accumulators acc, ReadOnlySpan<byte> lastStripe, ulong length, ReadOnlySpan<byte> secret)
    {
        AccumulateStripes(ref acc, lastStripe, secret[(SecretLength - StripeLength - 7)..]);
        ulong low = MergeAccumulators(ref acc, secret[11..], length * Prime64_1);
        ulong high = MergeAccumulators(ref acc, secret[(SecretLength - StripeLength - 11)..], ~(length * Prime64_2));
        return new UInt128(high, low);
    }

    private static ulong MergeAccumulators(ref Accumulators acc, ReadOnlySpan<byte> secret, ulong result)
    {
        for (int i = 0; i < 4; i++)
        {
            result += Fold64(acc[2 * i] ^ ReadU64(secret, 16 * i), acc[2 * i + 1] ^ ReadU64(secret, 16 * i + 8));
        }
        return Avalanche(result);
    }

    /// <summary>Accumulates input.Length / 64 stripes, the n-th with the secret moved on by 8n bytes.</summary>
    private static void AccumulateStripes(ref Accumulators acc, ReadOnlySpan<byte> input, ReadOnlySpan<byte> secret)
    {
        int stripes = input.Length / StripeLength;
        if (Avx2.IsSupported)
        {
            AccumulateAvx2(ref acc, input, secret, stripes);
        }
        else if (Sse2.IsSupported)
        {
            AccumulateSse2(ref acc, input, secret, stripes);
        }
        else
        {
            AccumulateScalar(ref acc, input, secret, stripes);
        }
    }

    internal static void AccumulateAvx2(ref Accumulators acc, ReadOnlySpan<byte> input, ReadOnlySpan<byte> secret, int stripes)
    {
        ref ulong accRef = ref acc[0];
        ref byte inputRef = ref MemoryMarshal.GetReference(input);
        ref byte secretRef = ref MemoryMarshal.GetReference(secret);
        var acc0 = Vector256.LoadUnsafe(ref accRef);
        var acc1 = Vector256.LoadUnsafe(ref accRef, 4);
        for (int n = 0; n < stripes; n++)
        {
            ref byte stripe = ref Unsafe.Add(ref inputRef, n * StripeLength);
            ref byte key = ref Unsafe.Add(ref secretRef, n * 8);
            acc0 = AccumulateLanesAvx2(acc0, Vector256.LoadUnsafe(ref stripe).AsUInt64(), Vector256.LoadUnsafe(ref key).AsUInt64());
            acc1 = AccumulateLanesAvx2(acc1, Vector256.LoadUnsafe(ref stripe, 32).AsUInt64(), Vector256.LoadUnsafe(ref key, 32).AsUInt64());
        }
        acc0.StoreUnsafe(ref accRef);
        acc1.StoreUnsafe(ref accRef, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> AccumulateLanesAvx2(Vector256<ulong> acc, Vector256<ulong> data, Vector256<ulong> key)
    {
        var dataKey = data ^ key;
        // (low 32 bits) * (high 32 bits) of each lane: vpmuludq multiplies the even 32-bit halves.
        var product = Avx2.Multiply(dataKey.AsUInt32(), Avx2.ShiftRightLogical(dataKey, 32).AsUInt32());
        // acc[i ^ 1] += data[i]: swap the two 64-bit lanes inside each 128-bit half.
        var swapped = Avx2.Shuffle(data.AsUInt32(), 0b01_00_11_10).AsUInt64();
        return acc + product + swapped;
    }

    internal static void AccumulateSse2(ref Accumulators acc, ReadOnlySpan<byte> input, ReadOnlySpan<byte> secret, int stripes)
    {
        ref ulong accRef = ref acc[0];
        ref byte inputRef = ref MemoryMarshal.GetReference(input);
        ref byte secretRef = ref MemoryMarshal.GetReference(secret);
        var a0 = Vector128.LoadUnsafe(ref accRef);
        var a1 = Vector128.LoadUnsafe(ref accRef, 2);
        var a2 = Vector128.LoadUnsafe(ref accRef, 4);
        var a3 = Vector128.LoadUnsafe(ref accRef, 6);
        for (int n = 0; n < stripes; n++)
        {
            ref byte stripe = ref Unsafe.Add(ref inputRef, n * StripeLength);
            ref byte key = ref Unsafe.Add(ref secretRef, n * 8);
            a0 = AccumulateLanesSse2(a0, Vector128.LoadUnsafe(ref stripe).AsUInt64(), Vector128.LoadUnsafe(ref key).AsUInt64());
            a1 = AccumulateLanesSse2(a1, Vector128.LoadUnsafe(ref stripe, 16).AsUInt64(), Vector128.LoadUnsafe(ref key, 16).AsUInt64());
            a2 = AccumulateLanesSse2(a2, Vector128.LoadUnsafe(ref stripe, 32).AsUInt64(), Vector128.LoadUnsafe(ref key, 32).AsUInt64());
            a3 = AccumulateLanesSse2(a3, Vector128.LoadUnsafe(ref stripe, 48).AsUInt64(), Vector128.LoadUnsafe(ref key, 48).AsUInt64());
        }
        a0.StoreUnsafe(ref accRef);
        a1.StoreUnsafe(ref accRef, 2);
        a2.StoreUnsafe(ref accRef, 4);
        a3.StoreUnsafe(ref accRef, 6);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> AccumulateLanesSse2(Vector128<ulong> acc, Vector128<ulong> data, Vector128<ulong> key)
    {
        var dataKey = data ^ key;
        var product = Sse2.Multiply(dataKey.AsUInt32(), Sse2.ShiftRightLogical(dataKey, 32).AsUInt32());
        var swapped = Sse2.Shuffle(data.AsUInt32(), 0b01_00_11_10).AsUInt64();
        return acc + product + swapped;
    }

    internal static void AccumulateScalar(ref Accumulators acc, ReadOnlySpan<byte> input, ReadOnlySpan<byte> secret, int stripes)
    {
        for (int n = 0; n < stripes; n++)
        {
            var stripe = input.Slice(n * StripeLength, StripeLength);
            var key = secret.Slice(n * 8, StripeLength);
            for (int i = 0; i < 8; i++)
            {
                ulong data = ReadU64(stripe, 8 * i);
                ulong dataKey = data ^ ReadU64(key, 8 * i);
                acc[i ^ 1] += data;
                acc[i] += (dataKey & 0xFFFFFFFF) * (dataKey >> 32);
            }
        }
    }

    private static void Scramble(ref Accumulators acc, ReadOnlySpan<byte> secret)
    {
        if (Avx2.IsSupported)
        {
            ScrambleAvx2(ref acc, secret);
        }
        else
        {
            ScrambleScalar(ref acc, secret);
        }
    }

    internal static void ScrambleAvx2(ref Accumulators acc, ReadOnlySpan<byte> secret)
    {
        ref ulong accRef = ref acc[0];
        ref byte key = ref MemoryMarshal.GetReference(secret);
        ScrambleLanesAvx2(Vector256.LoadUnsafe(ref accRef), Vector256.LoadUnsafe(ref key).AsUInt64()).StoreUnsafe(ref accRef);
        ScrambleLanesAvx2(Vector256.LoadUnsafe(ref accRef, 4), Vector256.LoadUnsafe(ref key, 32).AsUInt64()).StoreUnsafe(ref accRef, 4);
    }

    internal static void ScrambleScalar(ref Accumulators acc, ReadOnlySpan<byte> secret)
    {
        for (int i = 0; i < 8; i++)
        {
            ulong a = acc[i];
            a ^= a >> 47;
            a ^= ReadU64(secret, 8 * i);
            acc[i] = a * Prime32_1;
        }
    }

    private static Vector256<ulong> ScrambleLanesAvx2(Vector256<ulong> acc, Vector256<ulong> key)
    {
        acc ^= Avx2.ShiftRightLogical(acc, 47);
        acc ^= key;
        // A 64x32-bit multiply from two 32x32->64 multiplies: low half, plus high half shifted back.
        var prime = Vector256.Create((uint)Prime32_1);
        var low = Avx2.Multiply(acc.AsUInt32(), prime);
        var high = Avx2.Multiply(Avx2.ShiftRightLogical(acc, 32).AsUInt32(), prime);
        return low + Avx2.ShiftLeftLogical(high, 32);
    }

    private static UInt128 HashUpTo16(ReadOnlySpan<byte> input, ulong seed)
    {
        var secret = DefaultSecret;
        int length = input.Length;
        if (length > 8)
        {
            ulong first = ReadU64(input, 0);
            ulong last = ReadU64(input, length - 8);
            ulong val1 = ((ReadU64(secret, 32) ^ ReadU64(secret, 40)) - seed) ^ first ^ last;
            ulong val2 = ((ReadU64(secret, 48) ^ ReadU64(secret, 56)) + seed) ^ last;
            ulong mulHigh = Math.BigMul(val1, Prime64_1, out ulong low);
            low += (ulong)(length - 1) << 54;
            ulong high = mulHigh + (val2 & 0xFFFFFFFF00000000UL) + (val2 & 0xFFFFFFFFUL) * Prime32_2;
            low ^= BinaryPrimitives.ReverseEndianness(high);
            ulong high2 = Math.BigMul(low, Prime64_2, out low);
            high = high2 + high * Prime64_2;
            return new UInt128(Avalanche(high), Avalanche(low));
        }
        if (length >= 4)
        {
            ulong first = ReadU32(input, 0);
            ulong last = ReadU32(input, length - 4);
            ulong modifiedSeed = seed ^ ((ulong)BinaryPrimitives.ReverseEndianness((uint)seed) << 32);
            ulong combined = first | (last << 32);
            ulong value = ((ReadU64(secret, 16) ^ ReadU64(secret, 24)) + modifiedSeed) ^ combined;
            ulong high = Math.BigMul(value, Prime64_1 + ((ulong)length << 2), out ulong low);
            high += low << 1;
            low ^= high >> 3;
            low ^= low >> 35;
            low *= PrimeMx2;
            low ^= low >> 28;
            return new UInt128(Avalanche(high), low);
        }
        if (length > 0)
        {
            uint combined = input[length - 1] | ((uint)length << 8) | ((uint)input[0] << 16) | ((uint)input[length >> 1] << 24);
            ulong low = ((ulong)(ReadU32(secret, 0) ^ ReadU32(secret, 4)) + seed) ^ combined;
            ulong high = ((ulong)(ReadU32(secret, 8) ^ ReadU32(secret, 12)) - seed)
                ^ BitOperations.RotateLeft(BinaryPrimitives.ReverseEndianness(combined), 13);
            return new UInt128(AvalancheXxh64(high), AvalancheXxh64(low));
        }
        return new UInt128(
            AvalancheXxh64(seed ^ ReadU64(secret, 80) ^ ReadU64(secret, 88)),
            AvalancheXxh64(seed ^ ReadU64(secret, 64) ^ ReadU64(secret, 72)));
    }

    private static UInt128 HashUpTo240(ReadOnlySpan<byte> input, ulong seed)
    {
        int length = input.Length;
        ulong acc0 = (ulong)length * Prime64_1;
        ulong acc1 = 0;
        if (length <= 128)
        {
            for (int i = (length - 1) / 32; i >= 0; i--)
            {
                MixTwoChunks(ref acc0, ref acc1, input.Slice(16 * i, 16), input.Slice(length - 16 * i - 16, 16), 32 * i, seed);
            }
        }
        else
        {
            for (int i = 0; i < 4; i++)
            {
                MixTwoChunks(ref acc0, ref acc1, input.Slice(32 * i, 16), input.Slice(32 * i + 16, 16), 32 * i, seed);
            }
            acc0 = Avalanche(acc0);
            acc1 = Avalanche(acc1);
            for (int i = 4; i < length / 32; i++)
            {
                MixTwoChunks(ref acc0, ref acc1, input.Slice(32 * i, 16), input.Slice(32 * i + 16, 16), 32 * (i - 4) + 3, seed);
            }
            MixTwoChunks(ref acc0, ref acc1, input[^16..], input.Slice(length - 32, 16), 103, 0 - seed);
        }
        ulong low = acc0 + acc1;
        ulong high = acc0 * Prime64_1 + acc1 * Prime64_4 + ((ulong)length - seed) * Prime64_2;
        return new UInt128(0 - Avalanche(high), Avalanche(low));
    }

    private static void MixTwoChunks(ref ulong acc0, ref ulong acc1, ReadOnlySpan<byte> data1, ReadOnlySpan<byte> data2, int secretOffset, ulong seed)
    {
        acc0 += MixStep(data1, secretOffset, seed);
        acc1 += MixStep(data2, secretOffset + 16, seed);
        acc0 ^= ReadU64(data2, 0) + ReadU64(data2, 8);
        acc1 ^= ReadU64(data1, 0) + ReadU64(data1, 8);
    }

    private static ulong MixStep(ReadOnlySpan<byte> data, int secretOffset, ulong seed)
    {
        var secret = DefaultSecret;
        return Fold64(
            ReadU64(data, 0) ^ (ReadU64(secret, secretOffset) + seed),
            ReadU64(data, 8) ^ (ReadU64(secret, secretOffset + 8) - seed));
    }

    private static ulong Fold64(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return low ^ high;
    }

    private static ulong Avalanche(ulong x)
    {
        x ^= x >> 37;
        x *= PrimeMx1;
        return x ^ (x >> 32);
    }

    private static ulong AvalancheXxh64(ulong x)
    {
        x ^= x >> 33;
        x *= Prime64_2;
        x ^= x >> 29;
        x *= Prime64_3;
        return x ^ (x >> 32);
    }

    private static ulong ReadU64(ReadOnlySpan<byte> span, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(span[offset..]);

    private static uint ReadU32(ReadOnlySpan<byte> span, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
}
