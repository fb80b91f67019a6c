namespace SqlRsync.Ssh;

/// <summary>
/// A read-only stream that remembers when data last arrived and the first bytes it carried, and can
/// take one byte back so that the next read returns it again.
/// </summary>
internal sealed class ActivityStream(Stream inner) : Stream
{
    private const int FirstBytesKept = 64;
    private readonly MemoryStream _first = new();
    private int _pushedBack = -1;

    public DateTime LastActivity { get; private set; } = DateTime.UtcNow;

    /// <summary>Counts as activity (bytes going the other way, such as an upload).</summary>
    public void Touch() => LastActivity = DateTime.UtcNow;

    /// <summary>The next read returns <paramref name="value"/> first.</summary>
    public void PushBack(byte value) => _pushedBack = value;

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
        if (_pushedBack >= 0 && !buffer.IsEmpty)
        {
            buffer[0] = (byte)_pushedBack;
            _pushedBack = -1;
            return 1;
        }
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
