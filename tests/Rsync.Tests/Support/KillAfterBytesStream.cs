namespace Rsync.Tests.Support;

/// <summary>Passes writes on until <paramref name="limit"/> bytes have gone through, then kills a process and fails.</summary>
public sealed class KillAfterBytesStream(Stream inner, long limit, Action kill) : Stream
{
    private long _written;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_written + buffer.Length > limit)
        {
            int allowed = (int)(limit - _written);
            inner.Write(buffer[..allowed]);
            inner.Flush();
            _written = limit;
            kill();
            throw new IOException($"killed the peer after {limit} bytes");
        }
        inner.Write(buffer);
        _written += buffer.Length;
    }

    public override void Flush() => inner.Flush();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
