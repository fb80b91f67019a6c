namespace SqlRsync.Tests.Support;

/// <summary>XXH3-128 as Debian's python3-xxhash computes it: an oracle for our hashes that no one here wrote.</summary>
public static class PythonXxhash
{
    /// <summary>The XXH3-128 of each input with its seed, as 32 hex digits, in one python3 run.</summary>
    public static string[] Xxh3Digests(IReadOnlyList<(byte[] Data, long Seed)> inputs)
    {
        // One line per input: the seed as unsigned decimal and the data as hex; python prints one digest per line.
        var lines = string.Join('\n', inputs.Select(input => $"{(ulong)input.Seed} {Convert.ToHexString(input.Data)}"));
        const string script =
            "import sys, xxhash\n" +
            "for line in sys.stdin.read().split('\\n'):\n" +
            "    seed, data = line.split(' ')\n" +
            "    print(xxhash.xxh3_128_hexdigest(bytes.fromhex(data), seed=int(seed)))\n";
        var result = ExternalProgram.Run("/usr/bin/python3", ["-c", script], lines);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var digests = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(inputs.Count, digests.Length);
        return digests;
    }
}
