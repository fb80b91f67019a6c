using System.IO.Hashing;
using BenchmarkDotNet.Attributes;

namespace SqlRsync.Benchmarks;

/// <summary>XXH3-128 throughput on one database page (4 KiB), the unit sqlrsync hashes.</summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private readonly byte[] _page = new byte[4096];

    [GlobalSetup]
    public void Setup() => new Random(1).NextBytes(_page);

    [Benchmark]
    public UInt128 Xxh3Of4KiB() => XxHash128.HashToUInt128(_page);
}
