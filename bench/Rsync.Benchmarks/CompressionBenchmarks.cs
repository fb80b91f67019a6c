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
    private readonly byte[] _page = TextLikePage.Make();
    private readonly byte[] _output = new byte[4096];
    private readonly MemoryStream _deflated = new(8192);

    [GlobalSetup]
    public void Setup()
    {
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
