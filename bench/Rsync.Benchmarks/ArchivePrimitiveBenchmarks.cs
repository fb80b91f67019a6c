using System.IO.Compression;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ZstdSharp;

namespace SqlRsync.Benchmarks;

/// <summary>
/// The choices a snapshot archive makes per 4 KiB page (docs/archive.md): its identity (SHA-256 or
/// BLAKE3, plain or keyed), how it is stored (Brotli at two qualities or zstd, on a page of text-like
/// rows) and how it is sealed (AES-256-GCM or ChaCha20-Poly1305). Sizes are printed once in GlobalSetup.
/// </summary>
[MemoryDiagnoser]
public class ArchivePrimitiveBenchmarks : IDisposable
{
    private readonly byte[] _page = TextLikePage.Make();
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _hash = new byte[32];
    private readonly byte[] _output = new byte[8192];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _sealed = new byte[4096];
    private AesGcm? _aes;
    private ChaCha20Poly1305? _chacha;
    private Compressor? _zstd;
    private readonly Blake3.Hasher _keyedBlake3 = Blake3.Hasher.NewKeyed(Key);

    [GlobalSetup]
    public void Setup()
    {
        _aes = new AesGcm(Key, 16);
        _chacha = new ChaCha20Poly1305(Key);
        _zstd = new Compressor(3);
        Console.WriteLine($"// page 4096 bytes: brotli-1 {Brotli1()} bytes, brotli-5 {Brotli5()} bytes, zstd-3 {Zstd3()} bytes");
    }

    [Benchmark(Baseline = true)]
    public byte Sha256()
    {
        SHA256.HashData(_page, _hash);
        return _hash[0];
    }

    [Benchmark]
    public byte HmacSha256()
    {
        HMACSHA256.HashData(Key, _page, _hash);
        return _hash[0];
    }

    [Benchmark]
    public byte Blake3Plain()
    {
        Blake3.Hasher.Hash(_page).AsSpan().CopyTo(_hash);
        return _hash[0];
    }

    [Benchmark]
    public byte Blake3Keyed()
    {
        _keyedBlake3.Reset();
        _keyedBlake3.Update(_page);
        _keyedBlake3.Finalize(_hash);
        return _hash[0];
    }

    [Benchmark]
    public int Brotli1() => BrotliEncoder.TryCompress(_page, _output, out int written, 1, 22) ? written : -1;

    [Benchmark]
    public int Brotli5() => BrotliEncoder.TryCompress(_page, _output, out int written, 5, 22) ? written : -1;

    [Benchmark]
    public int Zstd3() => _zstd!.Wrap(_page, _output);

    [Benchmark]
    public byte AesGcmSeal()
    {
        _aes!.Encrypt(_nonce, _page, _sealed, _tag);
        return _tag[0];
    }

    [Benchmark]
    public byte ChaCha20Poly1305Seal()
    {
        _chacha!.Encrypt(_nonce, _page, _sealed, _tag);
        return _tag[0];
    }

    public void Dispose()
    {
        _aes?.Dispose();
        _chacha?.Dispose();
        _zstd?.Dispose();
        _keyedBlake3.Dispose();
        GC.SuppressFinalize(this);
    }
}
