using System.Globalization;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// Which snapshots a prune keeps, as restic and borg decide it: the newest <c>Last</c>; then, for each
/// of the newest <c>Daily</c> days (UTC) that have a snapshot, the newest of that day; the same for
/// ISO weeks and for months. A snapshot kept by any rule is kept; the newest is always kept, since the
/// next snapshot is compared with it.
/// </summary>
internal static class Retention
{
    /// <summary>The ids of the snapshots to keep, of <paramref name="snapshots"/> given oldest first.</summary>
    public static HashSet<string> Keep(IReadOnlyList<(string Id, DateTimeOffset Time)> snapshots, SnapshotRetention rule)
    {
        var newestFirst = snapshots.Reverse().ToList();
        var kept = newestFirst.Take(Math.Max(1, rule.KeepLast)).Select(snapshot => snapshot.Id).ToHashSet();
        KeepNewestPer(newestFirst, rule.KeepDaily, time => time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), kept);
        KeepNewestPer(newestFirst, rule.KeepWeekly, time => $"{ISOWeek.GetYear(time)}-W{ISOWeek.GetWeekOfYear(time)}", kept);
        KeepNewestPer(newestFirst, rule.KeepMonthly, time => time.ToString("yyyy-MM", CultureInfo.InvariantCulture), kept);
        return kept;
    }

    private static void KeepNewestPer(List<(string Id, DateTimeOffset Time)> newestFirst, int periods, Func<DateTime, string> period,
        HashSet<string> kept)
    {
        var seen = new HashSet<string>();
        foreach (var snapshot in newestFirst)
        {
            if (seen.Count == periods)
            {
                return;
            }
            if (seen.Add(period(snapshot.Time.UtcDateTime)))
            {
                kept.Add(snapshot.Id);
            }
        }
    }
}
