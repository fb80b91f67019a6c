using SqlRsync.S3;

namespace SqlRsync.Cli;

/// <summary>
/// One side of a sync as the user wrote it: a local PATH, [USER@]HOST:PATH reached through ssh (HOST
/// may be an ssh alias or a bracketed IPv6 address), or an archive in object storage, s3://BUCKET/PREFIX.
/// A path that starts with '/' or './', or has a '/' before its first ':', is local even when it
/// contains a colon, as with scp.
/// </summary>
internal sealed record Endpoint(string Path, string? Host)
{
    public bool IsRemote => Host is not null;

    /// <summary>Whether it is an archive in object storage: <see cref="Path"/> is its s3:// URL.</summary>
    public bool IsObjectStorage => Host is null && S3Storage.IsUrl(Path);

    /// <summary>"HOST:PATH" or "PATH", as the user wrote it.</summary>
    public override string ToString() => IsRemote ? $"{Host}:{Path}" : Path;

    public static Endpoint Parse(string text)
    {
        if (text.StartsWith('/') || text.StartsWith("./", StringComparison.Ordinal) || text.StartsWith("../", StringComparison.Ordinal))
        {
            return new Endpoint(text, null);
        }
        // s3://BUCKET/PREFIX has a ':' before its first '/', and is no host "s3".
        if (S3Storage.IsUrl(text))
        {
            try
            {
                S3Storage.Parse(text);
            }
            catch (ArgumentException e)
            {
                throw new FormatException(e.Message, e);
            }
            return new Endpoint(text, null);
        }
        if (text.StartsWith('[') || text.Contains("@["))
        {
            int close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close > 0)
            {
                return Remote(text[..(close + 1)], text[(close + 2)..], text);
            }
        }
        int colon = text.IndexOf(':');
        int slash = text.IndexOf('/');
        if (colon > 0 && (slash < 0 || colon < slash))
        {
            return Remote(text[..colon], text[(colon + 1)..], text);
        }
        return new Endpoint(text, null);
    }

    private static Endpoint Remote(string host, string path, string text)
    {
        if (path.Length == 0)
        {
            throw new FormatException($"{text} names no file after the ':'");
        }
        if (host.TrimStart('[').Length == 0 || host.EndsWith('@') || host.StartsWith('-'))
        {
            throw new FormatException($"{text} names no usable host before the ':'");
        }
        if (path.Any(char.IsControl))
        {
            throw new FormatException($"the remote path in {text.ReplaceLineEndings(" ")} contains control characters; rename the file");
        }
        return new Endpoint(path, host);
    }
}
