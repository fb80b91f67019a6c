using System.Text.RegularExpressions;

namespace SqlRsync.Storage;

/// <summary>
/// The names objects may have: ASCII letters, digits, '.', '_' and '-' in components joined by
/// '/', none empty or starting with '.', at most 200 characters. A store maps keys to paths or URLs as
/// they are, so a key from a damaged archive or a hostile peer can never climb out of the store.
/// </summary>
internal static partial class ObjectKey
{
    public const int MaxLength = 200;

    public static bool IsValid(string key) => key.Length <= MaxLength && Pattern().IsMatch(key);

    /// <exception cref="ArgumentException">The key is not valid.</exception>
    public static string Check(string key) => IsValid(key) ? key : throw new ArgumentException($"not a valid object key: '{key}'", nameof(key));

    /// <summary>A prefix to list: empty (everything) or a valid key ending in '/'.</summary>
    public static string CheckPrefix(string prefix) =>
        prefix.Length == 0 || prefix.EndsWith('/') && IsValid(prefix[..^1]) ? prefix : throw new ArgumentException($"not a valid prefix: '{prefix}'",
            nameof(prefix));

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
