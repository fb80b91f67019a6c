using System.Globalization;

namespace SqlRsync.Tests.Support;

/// <summary>
/// What a reader of a replica printed for <c>SELECT count(*), coalesce(max(n), 0) FROM log</c> while a
/// writer of the origin inserted n = 1, 2, 3... one row a transaction: every line must be a state the
/// origin committed (as many rows as the highest n: no gap) and none may be behind the one before.
/// </summary>
public static class ReaderLog
{
    /// <summary>Checks every line; returns how many there were.</summary>
    public static int AssertCommittedStatesInOrder(string seen)
    {
        long before = 0;
        var lines = seen.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines)
        {
            var parts = line.Split('|').Select(part => long.Parse(part, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(parts[0] == parts[1], $"the reader saw {parts[0]} rows up to {parts[1]}: not a state the origin committed");
            Assert.True(parts[1] >= before, $"the reader saw {parts[1]} rows after {before}: the replica went back");
            before = parts[1];
        }
        return lines.Length;
    }
}
