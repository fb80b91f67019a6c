using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// The archive's config object, written once when the archive is made and never sealed (it says how
/// to open the rest): lines "sqlrsync-archive 1", "id" (32 hex digits), "encryption" ("none" or
/// "aes-256-gcm"), then "compare-seed" (16 hex digits) without encryption or "key-check" (64 hex
/// digits) with it. docs/archive.md.
/// </summary>
internal sealed record ArchiveConfig(byte[] Id, bool Encrypted, long CompareSeed, string? KeyCheck)
{
    public const string Key = "config";
    private const string Header = "sqlrsync-archive 1";

    /// <summary>A new archive's config: a random id, and a random seed or, with <paramref name="key"/>, its check.</summary>
    public static ArchiveConfig New(ArchiveKey? key)
    {
        var id = RandomNumberGenerator.GetBytes(16);
        return key is null
            ? new ArchiveConfig(id, false, BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) | 1, null)
            : new ArchiveConfig(id, true, key.CompareSeed(id), key.Check(id));
    }

    public byte[] ToBytes()
    {
        var text = new StringBuilder().Append(Header).Append('\n')
            .Append("id ").Append(Convert.ToHexStringLower(Id)).Append('\n')
            .Append("encryption ").Append(Encrypted ? "aes-256-gcm" : "none").Append('\n');
        text.Append(Encrypted ? $"key-check {KeyCheck}\n" : $"compare-seed {CompareSeed:x16}\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>Parses a config; null when <paramref name="bytes"/> is not one (the caller names the place).</summary>
    public static ArchiveConfig? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 4096)
        {
            return null;
        }
        var lines = Encoding.ASCII.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 4 || lines[0] != Header)
        {
            return null;
        }
        var pairs = lines.Skip(1).Select(line => line.Split(' ')).Where(words => words.Length == 2).ToList();
        if (pairs.Select(words => words[0]).Distinct().Count() != pairs.Count)
        {
            return null;
        }
        var fields = pairs.ToDictionary(words => words[0], words => words[1]);
        if (fields.Count != 3 || !fields.TryGetValue("id", out var idText) || idText.Length != 32 || !IsLowerHex(idText)
            || !fields.TryGetValue("encryption", out var encryption))
        {
            return null;
        }
        var id = Convert.FromHexString(idText);
        if (encryption == "none" && fields.TryGetValue("compare-seed", out var seedText) && seedText.Length == 16 && IsLowerHex(seedText))
        {
            long seed = long.Parse(seedText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            return seed == 0 ? null : new ArchiveConfig(id, false, seed, null);
        }
        if (encryption == "aes-256-gcm" && fields.TryGetValue("key-check", out var check) && check.Length == 64 && IsLowerHex(check))
        {
            return new ArchiveConfig(id, true, 0, check);
        }
        return null;
    }

    private static bool IsLowerHex(string text) => text.All(char.IsAsciiHexDigitLower);
}
