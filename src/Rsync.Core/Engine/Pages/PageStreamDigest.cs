using System.Buffers.Binary;
using System.IO.Hashing;

namespace SqlRsync.Engine.Pages;

/// <summary>The digest both sides keep of the page stream: each page number followed by its bytes.</summary>
internal sealed class PageStreamDigest
{
    private readonly XxHash128 _hash = new();
    private readonly byte[] _pageNumber = new byte[4];

    public uint Pages { get; private set; }

    public void Add(uint pageNumber, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_pageNumber, pageNumber);
        _hash.Append(_pageNumber);
        _hash.Append(data);
        Pages++;
    }

    public UInt128 Value => _hash.GetCurrentHashAsUInt128();
}
