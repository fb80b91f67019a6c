namespace SqlRsync.Ssh;

/// <summary>A read-only stream that remembers when data last arrived and the first bytes it carried.</summary>
internal sealed class ActivityStream(Stream inner) : Stream
{
    private const int FirstBytesKept = 64;
    private readonly MemoryStream _first = new();

    public DateTime LastActivity { get; private set; } = DateTime.UtcNow;

    public byte[] FirstBytes
    {
        get
        {
            lock (_first)
            {
                return _first.ToArray();
            }
        }
    }

    /// <summary>Reads on (after the peer is gone) until the first bytes are all kept, to quote them in an error.</summary>
    public void CompleteFirstBytes()
    {
        Span<byte> scratch = stackalloc byte[FirstBytesKept];
        while (_first.Length < FirstBytesKept && Read(scratch[..(FirstBytesKept - (int)_first.Length)]) > 0)
        {
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        LastActivity = DateTime.UtcNow;
        lock (_first)
        {
            if (_first.Length < FirstBytesKept)
            {
                _first.Write(buffer[..Math.Min(read, FirstBytesKept - (int)_first.Length)]);
            }
        }
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
