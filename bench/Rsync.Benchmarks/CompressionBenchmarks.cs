using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using SqlRsync.Engine.Compression;

namespace SqlRsync.Benchmarks;

/// <summary>
/// Per-page compression of a realistic SQLite page (a table b-tree leaf of text rows), Brotli
/// quality 1 (what sqlrsync uses) against Deflate at its fastest level. Reports time per page; the
/// compressed sizes are printed once in GlobalSetup.
/// </summary>
[MemoryDiagnoser]
public class CompressionBenchmarks : IDisposable
{
    private readonly byte[] _page = new byte[4096];
    private readonly byte[] _output = new byte[4096];
    private readonly MemoryStream _deflated = new(8192);

    [GlobalSetup]
    public void Setup()
    {
        // Text-like rows with repeated column values, the way SQLite pages usually look.
        var random = new Random(1);
        var words = new[] { "alpha", "beta", "gamma", "delta", "order", "customer", "2026-11-21", "shipped", "pending" };
        int offset = 100;
        while (offset < _page.Length - 40)
        {
            int id = random.Next(100000);
            string first = words[random.Next(words.Length)], second = words[random.Next(words.Length)];
            string text = $"{id}|{first}|{second}|{random.Next(1000)}.{random.Next(100)};";
            var row = System.Text.Encoding.ASCII.GetBytes(text);
            row.AsSpan(0, Math.Min(row.Length, _page.Length - offset)).CopyTo(_page.AsSpan(offset));
            offset += row.Length;
        }
        Console.WriteLine($"// page 4096 bytes: brotli-1 {BrotliPage()} bytes, deflate-fastest {DeflatePage()} bytes");
    }

    [Benchmark(Baseline = true)]
    public int BrotliPage() => PageCompression.TryCompress(_page, _output, out int written) ? written : _page.Length;

    [Benchmark]
    public long DeflatePage()
    {
        _deflated.SetLength(0);
        using (var deflate = new DeflateStream(_deflated, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(_page);
        }
        return _deflated.Length;
    }

    public void Dispose()
    {
        _deflated.Dispose();
        GC.SuppressFinalize(this);
    }
}
