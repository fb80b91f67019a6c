using System.Globalization;
using System.Text;

namespace SqlRsync.Tests.Support;

/// <summary>
/// The head of one HTTP/1.1 message, a request's or a response's: its first line and its headers, read
/// from a stream up to the blank line that ends them, and written back with a header changed. As much
/// HTTP as <see cref="FaultProxy"/> needs: a body's length comes from Content-Length only (the S3 client
/// sends plain bodies; a chunked one is refused rather than misframed).
/// </summary>
public sealed class HttpHead
{
    /// <summary>More than any head an S3 client or Swift sends (a few KiB); a stream that sends more is not speaking HTTP.</summary>
    private const int MostBytes = 64 << 10;

    private static ReadOnlySpan<byte> End => "\r\n\r\n"u8;

    private readonly List<(string Name, string Value)> _headers;

    private HttpHead(string firstLine, List<(string Name, string Value)> headers)
    {
        FirstLine = firstLine;
        _headers = headers;
    }

    /// <summary>"GET /bucket/key HTTP/1.1" or "HTTP/1.1 200 OK".</summary>
    public string FirstLine { get; }

    /// <summary>A request's method.</summary>
    public string Method => FirstLine.Split(' ')[0];

    /// <summary>A request's target: the path and the query, as sent.</summary>
    public string Target => FirstLine.Split(' ')[1];

    /// <summary>A response's status code.</summary>
    public int Status => int.Parse(FirstLine.Split(' ')[1], CultureInfo.InvariantCulture);

    /// <summary>The body's length, 0 when the message says none.</summary>
    /// <exception cref="InvalidDataException">The body is chunked, or its length is no number.</exception>
    public long BodyLength
    {
        get
        {
            if (this["Transfer-Encoding"] is not null)
            {
                throw new InvalidDataException($"a chunked body ({FirstLine}): this proxy relays bodies of a known length only");
            }
            return this["Content-Length"] is { } length ? long.Parse(length, CultureInfo.InvariantCulture) : 0;
        }
    }

    /// <summary>The first value of the header <paramref name="name"/> (any case), or null.</summary>
    public string? this[string name] =>
        _headers.Where(header => header.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(header => header.Value).FirstOrDefault();

    /// <summary>This head with the header <paramref name="name"/> set to <paramref name="value"/> alone.</summary>
    public HttpHead With(string name, string value) =>
        new(FirstLine, [.. _headers.Where(header => !header.Name.Equals(name, StringComparison.OrdinalIgnoreCase)), (name, value)]);

    public byte[] ToBytes()
    {
        var text = new StringBuilder(FirstLine).Append("\r\n");
        foreach (var (name, value) in _headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        return Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
    }

    /// <summary>
    /// Reads a head from <paramref name="stream"/>: the head and the bytes read past it (the start of the body), or null when the
    /// stream ends before its first byte (a connection closed between requests).
    /// </summary>
    /// <exception cref="InvalidDataException">The stream ends inside a head, or sends more than a head may be.</exception>
    public static async Task<(HttpHead Head, byte[] BodyStart)?> ReadAsync(Stream stream, CancellationToken cancellation)
    {
        var buffer = new byte[MostBytes];
        int filled = 0;
        while (true)
        {
            int end = buffer.AsSpan(0, filled).IndexOf(End);
            if (end >= 0)
            {
                return (Parse(Encoding.ASCII.GetString(buffer, 0, end)), buffer[(end + End.Length)..filled]);
            }
            if (filled == buffer.Length)
            {
                throw new InvalidDataException($"an HTTP head longer than {MostBytes} bytes");
            }
            int read = await stream.ReadAsync(buffer.AsMemory(filled), cancellation);
            if (read == 0 && filled == 0)
            {
                return null;
            }
            if (read == 0)
            {
                throw new InvalidDataException("the connection closed inside an HTTP head");
            }
            filled += read;
        }
    }

    private static HttpHead Parse(string text)
    {
        var lines = text.Split("\r\n");
        var headers = new List<(string Name, string Value)>();
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new InvalidDataException($"an HTTP header without a name: {line}");
            }
            headers.Add((line[..colon], line[(colon + 1)..].Trim()));
        }
        return new HttpHead(lines[0], headers);
    }
}
