using System.Globalization;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// What --at names: the newest snapshot (null or "latest"), a snapshot by its id or a prefix of at
/// least 4 of its hex digits, or a time (ISO 8601, or "2026-12-01 03:00"; UTC unless it gives a zone):
/// the last snapshot taken at or before it. A run of 8 to 15 decimal digits that reads as a time is one;
/// a whole id (16 digits) is always an id.
/// </summary>
internal readonly record struct SnapshotSelector(string? IdPrefix, DateTimeOffset? Time)
{
    public bool IsLatest => IdPrefix is null && Time is null;

    /// <summary>The selector <paramref name="at"/> writes, or null when it writes none.</summary>
    public static SnapshotSelector? Parse(string? at)
    {
        if (at is null or "latest")
        {
            return new SnapshotSelector(null, null);
        }
        bool hex = at.Length is >= 4 and <= 16 && at.All(char.IsAsciiHexDigitLower);
        // A whole id (16 digits) is an id even when all its digits are decimal; a shorter run of 8 or more
        // decimal digits is a time when it reads as one.
        if (hex && (at.Length is < 8 or 16 || !at.All(char.IsAsciiDigit)))
        {
            return new SnapshotSelector(at, null);
        }
        return DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out var time) ? new SnapshotSelector(null, time) : hex ? new SnapshotSelector(at, null) : null;
    }

    /// <summary>The message for an --at that names nothing.</summary>
    public static string Problem(string at) =>
        $"--at {at}: give a snapshot id (4 or more of its first digits), latest, or a time such as 2026-12-01T03:00:00Z or '2026-12-01 03:00' (UTC)";
}
