using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// A snapshot: the object "snapshots/TIME-ID" (TIME as yyyyMMddTHHmmssfffZ, ID 16 random hex digits),
/// written last when a snapshot is added, so that it exists only once everything it names is durable.
/// Sealed with its own key as context; plain, it is lines of "name value":
/// sqlrsync-snapshot 1, time (ISO 8601, UTC, milliseconds), database (the origin's file name), page-size,
/// page-count, wal (0 or 1), file-mode (octal), parent (a snapshot id, or -), full (how many of the map's
/// chunks make its full part), map (the chunks' blob ids, in order, space-separated), pages-added,
/// bytes-added. docs/archive.md.
/// </summary>
internal sealed record SnapshotRecord(
    string Id,
    DateTimeOffset Time,
    string Database,
    int PageSize,
    uint PageCount,
    bool IsWal,
    UnixFileMode FileMode,
    string? Parent,
    int FullChunks,
    IReadOnlyList<BlobId> Map,
    long PagesAdded,
    long BytesAdded)
{
    public const string Prefix = "snapshots/";
    private const string Header = "sqlrsync-snapshot 1";
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff'Z'";
    private const int MaxLength = 1 << 20;

    public string Key => KeyOf(Time, Id);

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string KeyOf(DateTimeOffset time, string id) =>
        $"{Prefix}{time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}-{id}";

    /// <summary>The time and id a snapshot key names, or null when it names none.</summary>
    public static (DateTimeOffset Time, string Id)? ParseKey(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length != Prefix.Length + 19 + 1 + 16 || key[Prefix.Length + 19] != '-')
        {
            return null;
        }
        var id = key[(Prefix.Length + 20)..];
        if (!id.All(char.IsAsciiHexDigitLower) || !DateTimeOffset.TryParseExact(key.AsSpan(Prefix.Length, 19), TimeFormat,
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return null;
        }
        return (time, id);
    }

    public byte[] ToPlainBytes()
    {
        var text = new StringBuilder()
            .Append(Header).Append('\n')
            .Append("time ").Append(Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append('\n')
            .Append("database ").Append(Database).Append('\n')
            .Append(CultureInfo.InvariantCulture, $"page-size {PageSize}\n")
            .Append(CultureInfo.InvariantCulture, $"page-count {PageCount}\n")
            .Append("wal ").Append(IsWal ? '1' : '0').Append('\n')
            .Append("file-mode ").Append(Convert.ToString((int)FileMode & 0x1FF, 8)).Append('\n')
            .Append("parent ").Append(Parent ?? "-").Append('\n')
            .Append(CultureInfo.InvariantCulture, $"full {FullChunks}\n")
            .Append("map").Append(string.Concat(Map.Select(id => " " + id))).Append('\n')
            .Append(CultureInfo.InvariantCulture, $"pages-added {PagesAdded}\n")
            .Append(CultureInfo.InvariantCulture, $"bytes-added {BytesAdded}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Parses the plain bytes of the snapshot stored under <paramref name="key"/>.</summary>
    /// <exception cref="InvalidDataException">They are damaged, or do not belong under that key.</exception>
    public static SnapshotRecord Parse(string key, ReadOnlySpan<byte> plain)
    {
        var named = ParseKey(key) ?? throw new InvalidDataException("not a snapshot's name");
        var lines = Encoding.UTF8.GetString(plain).Split('\n');
        if (lines.Length != 13 || lines[0] != Header || lines[12].Length != 0)
        {
            throw new InvalidDataException("not a snapshot record");
        }
        var fields = new Dictionary<string, string>();
        foreach (var line in lines[1..12])
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            var (name, value) = space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
            if (!fields.TryAdd(name, value))
            {
                throw new InvalidDataException($"its field {name} appears twice");
            }
        }
        string Field(string name) => fields.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"it has no {name}");
        long Number(string name, long max) =>
            long.TryParse(Field(name), NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value <= max
                ? value : throw new InvalidDataException($"its {name} is not a number up to {max}");

        if (!DateTimeOffset.TryParseExact(Field("time"), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) || time != named.Time)
        {
            throw new InvalidDataException("its time is not the time its name says");
        }
        int pageSize = (int)Number("page-size", 65536);
        if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0)
        {
            throw new InvalidDataException($"its page size {pageSize} is not one SQLite uses");
        }
        var mapWords = Field("map").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var map = mapWords.Select(word => BlobId.ParseHex(word) ?? throw new InvalidDataException("its map names a blob badly")).ToList();
        int full = (int)Number("full", map.Count);
        var wal = Field("wal");
        var parent = Field("parent");
        var database = Field("database");
        if (wal is not ("0" or "1") || parent != "-" && (parent.Length != 16 || !parent.All(char.IsAsciiHexDigitLower))
            || database.Length == 0 || database.Contains('/', StringComparison.Ordinal) || database.Any(char.IsControl))
        {
            throw new InvalidDataException("its wal, parent or database field is malformed");
        }
        var modeText = Field("file-mode");
        if (modeText.Length is 0 or > 3 || modeText.Any(c => c is < '0' or > '7'))
        {
            throw new InvalidDataException("its file mode is not octal");
        }
        int mode = Convert.ToInt32(modeText, 8);
        uint pageCount = (uint)Number("page-count", uint.MaxValue);
        if (pageCount > 0 && full == 0)
        {
            throw new InvalidDataException("its map has no full part");
        }
        // Every page (but the lock-byte page) has an entry in some part of the map: a page count beyond
        // what its parts can hold is damage, refused before anything the size of the database is allocated.
        if (pageCount > (long)map.Count * PageMapChunk.MaxEntries + 1)
        {
            throw new InvalidDataException($"its page count {pageCount} is more than its {map.Count} map parts can hold");
        }
        return new SnapshotRecord(named.Id, time, database, pageSize, pageCount, wal == "1", (UnixFileMode)(mode & 0x1FF),
            parent == "-" ? null : parent, full, map, Number("pages-added", long.MaxValue), Number("bytes-added", long.MaxValue));
    }

    public static int MaxPlainLength => MaxLength;

    /// <summary>What the public API says of it.</summary>
    public SnapshotInfo ToInfo() => new(Id, Time, Database, PageCount, PageSize, PagesAdded, BytesAdded);
}
