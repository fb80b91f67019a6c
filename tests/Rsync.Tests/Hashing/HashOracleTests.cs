using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Hashing;

/// <summary>
/// The hashes sqlrsync puts on the wire and in its records, against Debian's xxhsum and python3-xxhash,
/// which we did not write: page hashes (the hash tree's leaves), the seeded hashes of the content
/// digest, and the incremental digest of the page stream.
/// </summary>
public class HashOracleTests
{
    private const int RandomInputs = 2000;

    /// <summary>Every size class boundary of XXH3, plus several whole 1 KiB blocks.</summary>
    private static readonly int[] BoundaryLengths =
    [
        0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 97, 127, 128, 129, 160,
        191, 192, 223, 224, 239, 240, 241, 255, 256, 257, 319, 320, 321, 511, 512, 513, 1023, 1024,
        1025, 1087, 1088, 1089, 2047, 2048, 2049, 3072, 4095, 4096, 4097, 8192, 9999, 10000,
    ];

    [Fact]
    public void PageHashesMatchXxhsumOnBoundaryAndRandomInputs()
    {
        var random = new Random(20261121);
        var inputs = BoundaryLengths.Select(length => RandomBytes(random, length)).ToList();
        while (inputs.Count < RandomInputs + BoundaryLengths.Length)
        {
            inputs.Add(RandomBytes(random, random.Next(0, 10_001)));
        }

        using var dir = new TempDirectory();
        var expected = Xxhsum(dir, inputs);

        for (int i = 0; i < inputs.Count; i++)
        {
            // Any page but page 1 (whose header bytes are masked) and the lock-byte page hashes as XXH3-128 of its bytes.
            var actual = PageHasher.Hash(pageNumber: 2, inputs[i], lockBytePage: 0).ToString("x32", CultureInfo.InvariantCulture);
            Assert.True(expected[i] == actual, $"length {inputs[i].Length}: xxhsum {expected[i]}, ours {actual}");
        }
    }

    [Fact]
    public void SeededHashesMatchPythonXxhash()
    {
        var random = new Random(7);
        long[] seeds = [1, 2, 262145, uint.MaxValue, -1, 0x0123456789ABCDEF, long.MinValue];
        var cases = new List<(byte[] Data, long Seed)>();
        foreach (var seed in seeds)
        {
            cases.AddRange(BoundaryLengths.Select(length => (RandomBytes(random, length), seed)));
        }

        var expected = PythonXxhash.Xxh3Digests(cases);

        for (int i = 0; i < cases.Count; i++)
        {
            var (data, seed) = cases[i];
            Assert.True(expected[i] == XxHash128.HashToUInt128(data, seed).ToString("x32", CultureInfo.InvariantCulture), $"length {data.Length}, seed {seed}");
        }
    }

    [Fact]
    public void ThePageStreamDigestIsXxhsumOfPageNumbersAndPages()
    {
        var random = new Random(42);
        using var dir = new TempDirectory();
        var streams = new List<byte[]>();
        var digests = new List<string>();
        var number = new byte[4];
        foreach (var pages in new[] { 0, 1, 3, 40 })
        {
            var digest = new PageStreamDigest();
            var stream = new MemoryStream();
            for (int i = 0; i < pages; i++)
            {
                uint pageNumber = (uint)random.Next(1, int.MaxValue);
                var page = RandomBytes(random, 4096);
                digest.Add(pageNumber, page);
                BinaryPrimitives.WriteUInt32LittleEndian(number, pageNumber);
                stream.Write(number);
                stream.Write(page);
            }
            streams.Add(stream.ToArray());
            digests.Add(digest.Value.ToString("x32", CultureInfo.InvariantCulture));
        }

        Assert.Equal(Xxhsum(dir, streams), digests);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>xxhsum -H2 of each input, in order (it prints "HASH  PATH" per file).</summary>
    private static List<string> Xxhsum(TempDirectory dir, List<byte[]> inputs)
    {
        var paths = new List<string>();
        for (int i = 0; i < inputs.Count; i++)
        {
            paths.Add(dir.File($"input{i}"));
            File.WriteAllBytes(paths[i], inputs[i]);
        }
        var result = ExternalProgram.Run("xxhsum", ["-H2", .. paths]);
        Assert.Equal(0, result.ExitCode);
        var byPath = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split("  ", 2))
            .ToDictionary(parts => parts[1], parts => parts[0]);
        return paths.ConvertAll(path => byPath[path]);
    }
}
