namespace SqlRsync.Links;

/// <summary>A read-only stream that gives one byte already read (unless it was the end, -1) before the rest of <paramref name="inner"/>.</summary>
internal sealed class PutBackStream(Stream inner, int first) : Stream
{
    private int _first = first;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_first < 0 || buffer.IsEmpty)
        {
            return inner.Read(buffer);
        }
        buffer[0] = (byte)_first;
        _first = -1;
        return 1;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
