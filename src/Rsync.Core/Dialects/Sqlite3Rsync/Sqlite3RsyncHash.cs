using System.Buffers.Binary;
using System.Numerics;

namespace SqlRsync.Dialects.Sqlite3Rsync;

/// <summary>
/// The page hash of sqlite3_rsync's protocol: a sponge over Keccak-f[1600]'s steps cut to 6 rounds
/// (SHA-3 has 24), with a rate of 160 bytes, SHA-3's padding, and the first 20 bytes of the state as
/// the hash. A page's hash is the hash of its bytes; a range's hash (protocol 2) is the hash of its
/// pages' 20-byte hashes, in page order. Written here from FIPS 202's steps and what sqlite3_rsync's
/// source does with them; the oracle's own hashes are the test (Sqlite3RsyncHashTests).
/// </summary>
internal sealed class Sqlite3RsyncHash
{
    public const int Length = 20;

    private const int Rounds = 6;
    private const int RateBytes = 160;

    // Keccak's round constants (iota); sqlite3_rsync's rounds use the first six.
    private static readonly ulong[] RoundConstants =
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A,
        0x8000000080008000, 0x000000000000808B, 0x0000000080000001,
    ];

    // rho's rotation of lane x + 5y.
    private static readonly int[] Rotations =
    [
        0, 1, 62, 28, 27,
        36, 44, 6, 55, 20,
        3, 10, 43, 25, 39,
        41, 45, 15, 21, 8,
        18, 2, 61, 56, 14,
    ];

    private readonly ulong[] _state = new ulong[25];
    private readonly byte[] _block = new byte[RateBytes];
    private int _loaded;

    /// <summary>The hash of one page (or any bytes).</summary>
    public static void Compute(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        var hasher = new Sqlite3RsyncHash();
        hasher.Append(data);
        hasher.Finish(hash);
    }

    /// <summary>Adds bytes: a range hash adds each page's 20-byte hash in turn.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            int take = Math.Min(RateBytes - _loaded, data.Length);
            data[..take].CopyTo(_block.AsSpan(_loaded));
            _loaded += take;
            data = data[take..];
            if (_loaded == RateBytes)
            {
                AbsorbBlock();
            }
        }
    }

    /// <summary>Writes the 20-byte hash of everything appended and starts over.</summary>
    public void Finish(Span<byte> hash)
    {
        _block.AsSpan(_loaded).Clear();
        _block[_loaded] ^= 0x06;
        _block[RateBytes - 1] ^= 0x80;
        AbsorbBlock();
        Span<byte> lanes = stackalloc byte[24];
        for (int lane = 0; lane < 3; lane++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(lanes[(lane * 8)..], _state[lane]);
        }
        lanes[..Length].CopyTo(hash);
        Array.Clear(_state);
    }

    private void AbsorbBlock()
    {
        for (int lane = 0; lane < RateBytes / 8; lane++)
        {
            _state[lane] ^= BinaryPrimitives.ReadUInt64LittleEndian(_block.AsSpan(lane * 8));
        }
        Permute(_state);
        _loaded = 0;
    }

    private static void Permute(ulong[] a)
    {
        Span<ulong> c = stackalloc ulong[5];
        Span<ulong> d = stackalloc ulong[5];
        Span<ulong> b = stackalloc ulong[5];
        for (int round = 0; round < Rounds; round++)
        {
            // theta: each lane takes the parity of the two neighbouring columns (x = lane % 5).
            for (int x = 0; x < 5; x++)
            {
                c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
            }
            for (int x = 0; x < 5; x++)
            {
                d[x] = c[(x + 4) % 5] ^ BitOperations.RotateLeft(c[(x + 1) % 5], 1);
            }
            // rho, pi and chi, one output row at a time, as sqlite3_rsync computes them: the row's
            // five lanes are read (rotated) into b, and chi's results are stored back into those
            // same five lanes. That storage order is not FIPS 202's, and with 6 rounds instead of a
            // multiple of 4 it does not come back to it, so it is part of the hash.
            foreach (var row in Rows)
            {
                for (int i = 0; i < 5; i++)
                {
                    int lane = row.Lanes[i];
                    b[(i + row.FirstB) % 5] = BitOperations.RotateLeft(a[lane] ^ d[lane % 5], Rotations[lane]);
                }
                for (int j = 0; j < 5; j++)
                {
                    a[row.Lanes[j]] = b[j] ^ (~b[(j + 1) % 5] & b[(j + 2) % 5]);
                }
            }
            // iota
            a[0] ^= RoundConstants[round];
        }
    }

    /// <summary>
    /// One group of chi: lane <c>Lanes[i]</c> (x + 5y) is read into b[(i + FirstB) % 5]; result j is stored
    /// into <c>Lanes[j]</c>.
    /// </summary>
    private readonly record struct ChiRow(int[] Lanes, int FirstB);

    private static readonly ChiRow[] Rows =
    [
        new([0, 6, 12, 18, 24], 0),
        new([10, 16, 22, 3, 9], 2),
        new([20, 1, 7, 13, 19], 4),
        new([5, 11, 17, 23, 4], 1),
        new([15, 21, 2, 8, 14], 3),
    ];
}
