namespace SqlRsync.Tests.Support;

/// <summary>Passes writes on until <paramref name="limit"/> bytes have gone through, then kills a process and fails.</summary>
public sealed class KillAfterBytesStream(Stream inner, long limit, Action kill) : WriteOnlyStream
{
    private long _written;

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
}
