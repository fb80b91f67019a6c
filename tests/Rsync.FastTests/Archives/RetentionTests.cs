using System.Globalization;
using SqlRsync.Engine.Archives;

namespace SqlRsync.Tests.Archives;

/// <summary>Which snapshots a prune keeps: the rules of restic and borg, counted in periods that have a snapshot.</summary>
public class RetentionTests
{
    /// <summary>Two snapshots a day, at 03:00 and 15:00 UTC, from 2026-11-20 to 2026-12-07 (36 snapshots).</summary>
    private static readonly List<(string Id, DateTimeOffset Time)> TwiceADay = [.. Enumerable.Range(0, 36).Select(i =>
        ($"s{i:00}", new DateTimeOffset(2026, 11, 20, 3, 0, 0, TimeSpan.Zero).AddHours(12 * i)))];

    [Fact]
    public void KeepLastKeepsTheNewest()
    {
        Assert.Equal(["s33", "s34", "s35"], Sorted(Retention.Keep(TwiceADay, new SnapshotRetention { KeepLast = 3 })));
    }

    [Fact]
    public void KeepDailyKeepsTheNewestOfEachOfTheNewestDaysThatHaveOne()
    {
        // 2026-12-07 (s35 at 15:00), 12-06 (s33), 12-05 (s31).
        Assert.Equal(["s31", "s33", "s35"], Sorted(Retention.Keep(TwiceADay, new SnapshotRetention { KeepDaily = 3 })));
        // A gap of days is not counted: only days that have a snapshot are.
        var gappy = TwiceADay.Where(snapshot => snapshot.Time.Day is not (5 or 6)).ToList();
        Assert.Equal(["s29", "s35"], Sorted(Retention.Keep(gappy, new SnapshotRetention { KeepDaily = 2 })));
    }

    [Fact]
    public void WeeksAreIsoWeeksAndMonthsCalendarMonths()
    {
        // ISO weeks: 2026-12-07 is a Monday (W50: s34, s35); W49 ends Sunday 12-06 (s33); W48 ends 11-29 (s19).
        Assert.Equal(["s19", "s33", "s35"], Sorted(Retention.Keep(TwiceADay, new SnapshotRetention { KeepWeekly = 3 })));
        // November's newest is 11-30 15:00 (s21); December's is s35.
        Assert.Equal(["s21", "s35"], Sorted(Retention.Keep(TwiceADay, new SnapshotRetention { KeepMonthly = 12 })));
    }

    [Fact]
    public void RulesAddUpAndTheNewestAlwaysStays()
    {
        var kept = Retention.Keep(TwiceADay, new SnapshotRetention { KeepLast = 2, KeepDaily = 2, KeepMonthly = 2 });
        Assert.Equal(["s21", "s33", "s34", "s35"], Sorted(kept));
        Assert.Equal(["s35"], Sorted(Retention.Keep(TwiceADay, new SnapshotRetention { KeepWeekly = 0, KeepLast = 0 })));
        Assert.Empty(Retention.Keep([], new SnapshotRetention { KeepLast = 5 }));
    }

    [Fact]
    public void AWeekAcrossTheNewYearIsOneWeek()
    {
        // 2026-12-31 (Thursday) and 2027-01-02 (Saturday) are both in ISO week 2026-W53.
        var snapshots = new List<(string, DateTimeOffset)>
        {
            ("a", DateTimeOffset.Parse("2026-12-24T12:00:00Z", CultureInfo.InvariantCulture)),
            ("b", DateTimeOffset.Parse("2026-12-31T12:00:00Z", CultureInfo.InvariantCulture)),
            ("c", DateTimeOffset.Parse("2027-01-02T12:00:00Z", CultureInfo.InvariantCulture)),
        };
        Assert.Equal(["a", "c"], Sorted(Retention.Keep(snapshots, new SnapshotRetention { KeepWeekly = 2 })));
    }

    private static List<string> Sorted(HashSet<string> ids) => [.. ids.Order(StringComparer.Ordinal)];
}
