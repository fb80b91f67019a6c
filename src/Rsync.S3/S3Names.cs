using System.Text.RegularExpressions;

namespace SqlRsync.S3;

/// <summary>
/// What an S3 URL, a bucket, a prefix and a key may be. Keys and prefixes use the names an archive's
/// objects have (ASCII letters, digits, '.', '_' and '-' in components joined by '/', none empty or
/// starting with '.'), so a key from a damaged archive or a prefix typed by a user cannot reach
/// another archive's objects. Errors are one line, and never repeat what might be a credential.
/// </summary>
internal static partial class S3Names
{
    public const string Scheme = "s3://";

    /// <summary>An object key's longest length: the archive's own limit, well inside S3's 1,024 bytes with any sensible prefix.</summary>
    public const int MaxKeyLength = 200;

    /// <summary>The longest prefix: leaves room for the archive's keys within S3's 1,024 bytes.</summary>
    private const int MaxPrefixLength = 600;

    public static S3Storage ParseUrl(string url)
    {
        if (!S3Storage.IsUrl(url))
        {
            throw new ArgumentException($"not an S3 URL: '{url}' (write s3://BUCKET/PREFIX)");
        }
        var rest = url[Scheme.Length..];
        // s3://KEY:SECRET@bucket is no form AWS tools take; saying the URL back would print the secret.
        if (rest.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException("an S3 URL carries no credentials (it has an '@'): give them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " +
                "or in a profile (AWS_PROFILE)");
        }
        if (rest.IndexOfAny(['?', '#', '\\', ' ']) >= 0)
        {
            throw new ArgumentException($"S3 URL '{url}' holds a '?', '#', '\\' or space: write s3://BUCKET/PREFIX");
        }
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (bucket.Length == 0)
        {
            throw new ArgumentException($"S3 URL '{url}' names no bucket: write s3://BUCKET/PREFIX");
        }
        return new S3Storage(bucket, prefix);
    }

    /// <exception cref="ArgumentException">It is no bucket name S3 allows.</exception>
    public static string CheckBucket(string bucket) => BucketPattern().IsMatch(bucket) && !bucket.Contains("..", StringComparison.Ordinal) ? bucket
        : throw new ArgumentException($"'{bucket}' is not a valid S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-', " +
            "starting and ending with a letter or digit)");

    /// <summary>"" for "", else the names joined by '/' with a '/' at the end.</summary>
    /// <exception cref="ArgumentException">A name is empty, starts with '.', or has a character other than letters, digits, '.', '_' and '-'.</exception>
    public static string CheckPrefix(string prefix)
    {
        var trimmed = prefix.EndsWith('/') ? prefix[..^1] : prefix;
        if (trimmed.Length == 0 && prefix.Length <= 1)
        {
            return "";
        }
        return trimmed.Length <= MaxPrefixLength && KeyPattern().IsMatch(trimmed) ? trimmed + "/"
            : throw new ArgumentException($"'{prefix}' is not a valid S3 prefix for an archive (names of letters, digits, '.', '_' and '-' joined by '/', " +
                $"none empty or starting with '.', at most {MaxPrefixLength} characters)");
    }

    public static bool IsValidKey(string key) => key.Length <= MaxKeyLength && KeyPattern().IsMatch(key);

    /// <exception cref="ArgumentException">The key is not one an archive's object may have.</exception>
    public static string CheckKey(string key) => IsValidKey(key) ? key : throw new ArgumentException($"not a valid object key: '{key}'");

    /// <summary>A prefix to list: empty (everything) or a valid key ending in '/'.</summary>
    public static string CheckListPrefix(string prefix) =>
        prefix.Length == 0 || prefix.EndsWith('/') && IsValidKey(prefix[..^1]) ? prefix
            : throw new ArgumentException($"not a valid prefix: '{prefix}'");

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketPattern();

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
