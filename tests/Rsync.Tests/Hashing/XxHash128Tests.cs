using System.Runtime.Intrinsics.X86;
using Rsync.Core.Hashing;
using Rsync.Tests.Support;

namespace Rsync.Tests.Hashing;

/// <summary>Our XXH3-128 against Debian's xxhsum and python3-xxhash, which we did not write.</summary>
public class XxHash128Tests
{
    private const int RandomInputs = 2000;

    /// <summary>Every size class boundary of the algorithm, plus several whole 1 KiB blocks.</summary>
    private static readonly int[] BoundaryLengths =
    [
        0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 97, 127, 128, 129, 160,
        191, 192, 223, 224, 239, 240, 241, 255, 256, 257, 319, 320, 321, 511, 512, 513, 1023, 1024,
        1025, 1087, 1088, 1089, 2047, 2048, 2049, 3072, 4095, 4096, 4097, 8192, 9999, 10000,
    ];

    [Fact]
    public void MatchesXxhsumOnBoundaryAndRandomInputs()
    {
        var random = new Random(20261121);
        var inputs = BoundaryLengths.Select(length => RandomBytes(random, length)).ToList();
        while (inputs.Count < RandomInputs + BoundaryLengths.Length)
        {
            inputs.Add(RandomBytes(random, random.Next(0, 10_001)));
        }

        using var dir = new TempDirectory();
        var paths = new List<string>();
        for (int i = 0; i < inputs.Count; i++)
        {
            paths.Add(dir.File($"input{i}"));
            File.WriteAllBytes(paths[i], inputs[i]);
        }

        var result = ExternalProgram.Run("xxhsum", ["-H2", .. paths]);
        Assert.Equal(0, result.ExitCode);
        var expected = ParseXxhsum(result.StandardOutput);

        Assert.Equal(inputs.Count, expected.Count);
        for (int i = 0; i < inputs.Count; i++)
        {
            var actual = Convert.ToHexStringLower(XxHash128.Hash(inputs[i]));
            Assert.True(expected[paths[i]] == actual, $"length {inputs[i].Length}: xxhsum {expected[paths[i]]}, ours {actual}");
        }
    }

    [Fact]
    public void SeededHashesMatchPythonXxhash()
    {
        var random = new Random(7);
        long[] seeds = [1, -1, 0x0123456789ABCDEF, long.MinValue];
        var cases = new List<(byte[] Data, long Seed)>();
        foreach (var seed in seeds)
        {
            cases.AddRange(BoundaryLengths.Select(length => (RandomBytes(random, length), seed)));
        }

        // One line per case: seed as unsigned decimal and data as hex; python prints one digest per line.
        var input = string.Join('\n', cases.Select(c => $"{(ulong)c.Seed} {Convert.ToHexString(c.Data)}"));
        const string script =
            "import sys, xxhash\n" +
            "for line in sys.stdin.read().split('\\n'):\n" +
            "    seed, data = line.split(' ')\n" +
            "    print(xxhash.xxh3_128_hexdigest(bytes.fromhex(data), seed=int(seed)))\n";
        var result = ExternalProgram.Run("/usr/bin/python3", ["-c", script], input);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var expected = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(cases.Count, expected.Length);
        for (int i = 0; i < cases.Count; i++)
        {
            var (data, seed) = cases[i];
            Assert.True(expected[i] == Convert.ToHexStringLower(XxHash128.Hash(data, seed)), $"length {data.Length}, seed {seed}");

            var incremental = new XxHash128(seed);
            incremental.Append(data);
            Assert.Equal(expected[i], Convert.ToHexStringLower(incremental.GetCurrentHash()));
        }
    }

    [Fact]
    public void IncrementalAppendsInRandomChunksEqualOneShot()
    {
        var random = new Random(42);
        var hasher = new XxHash128();
        var lengths = BoundaryLengths.Concat(Enumerable.Range(0, 500).Select(_ => random.Next(0, 10_001)));
        foreach (var length in lengths)
        {
            var data = RandomBytes(random, length);
            hasher.Reset();
            int offset = 0;
            while (offset < data.Length)
            {
                // Mostly small chunks, sometimes large ones, so both the buffered and direct paths run.
                int chunk = Math.Min(data.Length - offset, random.Next(4) == 0 ? random.Next(1, 3000) : random.Next(0, 70));
                hasher.Append(data.AsSpan(offset, chunk));
                offset += chunk;
            }
            Assert.True(XxHash128.Hash(data).AsSpan().SequenceEqual(hasher.GetCurrentHash()), $"length {length}");
            Assert.Equal(XxHash128.HashToUInt128(data), hasher.GetCurrentHashAsUInt128());
        }
    }

    [Fact]
    public void GetCurrentHashDoesNotDisturbTheRunningState()
    {
        var data = RandomBytes(new Random(3), 5000);
        var hasher = new XxHash128();
        hasher.Append(data.AsSpan(0, 2500));
        Assert.Equal(XxHash128.Hash(data.AsSpan(0, 2500)), hasher.GetCurrentHash());
        hasher.Append(data.AsSpan(2500));
        Assert.Equal(XxHash128.Hash(data), hasher.GetCurrentHash());
    }

    [Fact]
    public void HashIntoSpanWritesCanonicalBytes()
    {
        var data = RandomBytes(new Random(5), 300);
        Span<byte> destination = stackalloc byte[XxHash128.HashLengthInBytes];
        Assert.Equal(16, XxHash128.Hash(data, destination));
        Assert.Equal(XxHash128.Hash(data), destination.ToArray());
        Assert.Throws<ArgumentException>(() => XxHash128.Hash(data, new byte[15]));
    }

    [Fact]
    public void VectorAccumulatePathsEqualTheScalarPath()
    {
        var random = new Random(11);
        for (int round = 0; round < 200; round++)
        {
            int stripes = random.Next(1, 17);
            var input = RandomBytes(random, stripes * Xxh3.StripeLength);
            var secret = RandomBytes(random, Xxh3.SecretLength);
            var start = new Xxh3.Accumulators();
            for (int i = 0; i < 8; i++)
            {
                start[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
            }

            var scalar = start;
            Xxh3.AccumulateScalar(ref scalar, input, secret, stripes);
            Xxh3.ScrambleScalar(ref scalar, secret);
            if (Sse2.IsSupported)
            {
                var sse2 = start;
                Xxh3.AccumulateSse2(ref sse2, input, secret, stripes);
                Xxh3.ScrambleScalar(ref sse2, secret);
                Assert.Equal(ToArray(scalar), ToArray(sse2));
            }
            if (Avx2.IsSupported)
            {
                var avx2 = start;
                Xxh3.AccumulateAvx2(ref avx2, input, secret, stripes);
                Xxh3.ScrambleAvx2(ref avx2, secret);
                Assert.Equal(ToArray(scalar), ToArray(avx2));
            }
        }
    }

    private static ulong[] ToArray(Xxh3.Accumulators acc) => [acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]];

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>xxhsum prints "HASH  PATH" per file.</summary>
    private static Dictionary<string, string> ParseXxhsum(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split("  ", 2))
            .ToDictionary(parts => parts[1], parts => parts[0]);
}
