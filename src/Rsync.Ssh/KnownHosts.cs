using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SqlRsync.Ssh;

/// <summary>What an OpenSSH known_hosts file says about a host's key.</summary>
internal enum HostKeyVerdict
{
    /// <summary>The key is listed for the host.</summary>
    Known,

    /// <summary>Nothing is listed for the host.</summary>
    Unknown,

    /// <summary>Another key of the same type is listed for the host: the key changed.</summary>
    Changed,

    /// <summary>Only keys of other types are listed for the host.</summary>
    OtherTypesKnown,

    /// <summary>The key is marked @revoked.</summary>
    Revoked,
}

/// <summary>
/// An OpenSSH known_hosts file, read as ssh reads it: host patterns plain or hashed (|1|salt|hash),
/// several to a line separated by commas, with * and ? wildcards and ! negations; the [host]:port
/// name for ports other than 22; @revoked keys. @cert-authority lines are skipped (host certificates
/// are not supported). Keys are compared as the key blobs themselves; the type is read from the blob.
/// </summary>
internal static class KnownHosts
{
    /// <summary>The name a host has in known_hosts: HOST for port 22, [HOST]:PORT otherwise.</summary>
    public static string NameFor(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    public static HostKeyVerdict Check(string knownHostsFile, string host, int port, byte[] key)
    {
        if (!File.Exists(knownHostsFile))
        {
            return HostKeyVerdict.Unknown;
        }
        string name = NameFor(host, port);
        string keyType = KeyType(key);
        bool known = false, sameTypeDiffers = false, otherTypes = false;
        foreach (var rawLine in File.ReadLines(knownHostsFile))
        {
            var fields = rawLine.Trim().Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#'))
            {
                continue;
            }
            string? marker = fields[0].StartsWith('@') ? fields[0] : null;
            int at = marker is null ? 0 : 1;
            if (fields.Length < at + 3 || marker == "@cert-authority" || !HostMatches(fields[at], name) || Decode(fields[at + 2]) is not { } listed)
            {
                continue;
            }
            bool same = listed.AsSpan().SequenceEqual(key);
            if (marker == "@revoked")
            {
                if (same)
                {
                    return HostKeyVerdict.Revoked;
                }
                continue;
            }
            if (same)
            {
                known = true;
            }
            else if (KeyType(listed) == keyType)
            {
                sameTypeDiffers = true;
            }
            else
            {
                otherTypes = true;
            }
        }
        return known ? HostKeyVerdict.Known : sameTypeDiffers ? HostKeyVerdict.Changed : otherTypes ? HostKeyVerdict.OtherTypesKnown : HostKeyVerdict.Unknown;
    }

    /// <summary>Appends the host's key, as `ssh -o StrictHostKeyChecking=accept-new` would; creates the file (0600) and its directory (0700) if
    /// missing.</summary>
    public static void Add(string knownHostsFile, string host, int port, byte[] key)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(knownHostsFile))!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var file = new StreamWriter(knownHostsFile, Encoding.ASCII, options);
        file.Write($"{NameFor(host, port)} {KeyType(key)} {Convert.ToBase64String(key)}\n");
    }

    /// <summary>SHA256:... as ssh prints fingerprints.</summary>
    public static string Fingerprint(byte[] key) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(key)).TrimEnd('=');

    /// <summary>The key type a key blob names first (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa...).</summary>
    public static string KeyType(byte[] key)
    {
        if (key.Length < 4)
        {
            return "";
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(key);
        return length <= key.Length - 4 ? Encoding.ASCII.GetString(key, 4, (int)length) : "";
    }

    private static byte[]? Decode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Whether a line's host field names <paramref name="name"/>: one hashed name, or comma-separated patterns where a matching negation
    /// excludes the line.</summary>
    private static bool HostMatches(string field, string name)
    {
        if (field.StartsWith("|1|", StringComparison.Ordinal))
        {
            var parts = field.Split('|');
            if (parts.Length != 4 || Decode(parts[2]) is not { } salt || Decode(parts[3]) is not { } hash)
            {
                return false;
            }
#pragma warning disable CA5350 // OpenSSH's hashed host names are HMAC-SHA1 by definition (|1|salt|hash); nothing is protected by it here.
            return HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(name)).AsSpan().SequenceEqual(hash);
#pragma warning restore CA5350
        }
        bool matched = false;
        foreach (var pattern in field.Split(','))
        {
            bool negated = pattern.StartsWith('!');
            if (Glob(negated ? pattern[1..] : pattern, name))
            {
                if (negated)
                {
                    return false;
                }
                matched = true;
            }
        }
        return matched;
    }

    /// <summary>A shell-style match, * for any run of characters and ? for one, ignoring case as ssh does for host names.</summary>
    private static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}
