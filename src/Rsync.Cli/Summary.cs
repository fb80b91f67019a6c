using System.Globalization;

namespace SqlRsync.Cli;

/// <summary>
/// The -v summary, laid out as rsync users read theirs (sent, received, rate; total size and speedup),
/// then pages and round trips; -vv adds where the time went and each side's hashing rate.
/// </summary>
internal static class Summary
{
    public static IEnumerable<string> Lines(SyncResult result, TimeSpan elapsed, int verbosity)
    {
        var figures = new SyncFigures(result, elapsed);
        if (Notice(result) is { } notice)
        {
            yield return notice;
        }
        string dryRun = result.DryRun ? " (DRY RUN)" : "";
        yield return $"sent {N(figures.BytesSent)} bytes  received {N(figures.BytesReceived)} bytes  " +
            $"{figures.BytesPerSecond.ToString("N2", CultureInfo.InvariantCulture)} bytes/sec";
        yield return $"total size is {N(figures.TotalSize)}  speedup is {figures.Speedup.ToString("0.00", CultureInfo.InvariantCulture)}{dryRun}";
        yield return PagesLine(result, elapsed);
        if (verbosity < 2)
        {
            yield break;
        }
        var phases = result.Phases;
        yield return $"phases: hashing {S(phases.Hashing)}, comparing {S(phases.Comparing)}, sending {S(phases.Sending)}, committing {S(phases.Committing)}";
        yield return $"hashing: origin {N((long)result.OriginHashing.Bytes)} bytes at {Rate(result.OriginHashing.BytesPerSecond)}, " +
                     $"replica {N((long)result.ReplicaHashing.Bytes)} bytes at {Rate(result.ReplicaHashing.BytesPerSecond)}";
        yield return $"pages of {N(result.PageSize)} bytes; replica had {N(result.ReplicaPageCountBefore)} pages, has {N(figures.ReplicaPagesAfter)}";
        if (verbosity >= 3)
        {
            // sqlite3_rsync's -vvv line, with the same names.
            yield return $"hashes: {N(result.Hashes)}  hash-rounds: {result.HashRounds}  page updates: {N(result.PagesSent)}  protocol: {result.Protocol}";
        }
    }

    /// <summary>What a user must know of this sync beyond its figures (a snapshot added or restored, a replica made or rebuilt whole), or null.</summary>
    public static string? Notice(SyncResult result) =>
        result.Snapshot is { } snapshot
            ? $"snapshot {snapshot.Id} of {snapshot.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC: " +
                $"{N(snapshot.PageCount)} pages; it added {N(snapshot.BytesAdded)} bytes ({N(snapshot.PagesAdded)} new pages) to the archive"
        : result.ReplacedPageSize != 0
            ? $"the origin's page size changed from {N(result.ReplacedPageSize)} to {N(result.PageSize)} bytes: the replica " +
                $"{(result.DryRun ? "would be" : "was")} rebuilt whole and swapped in " +
              "(readers that had it open keep the old file until they reopen it)"
            : result.DryRun && result.ReplicaPageCountBefore == 0
                ? $"the replica does not exist (or is empty): a sync would create it, sending all {N(result.OriginPageCount)} pages"
                : null;

    /// <summary>The pages changed, the round trips and the time: the one line a sync of a directory's database shows at -v.</summary>
    public static string PagesLine(SyncResult result, TimeSpan elapsed) =>
        $"{(result.DryRun ? "would change" : "changed")} {N(result.PagesSent)} of {N(result.OriginPageCount)} pages ({N(result.PageBytesRaw)} " +
            $"bytes, {N(result.PageBytesOnWire)} on the wire) " +
        $"in {result.RoundTrips} round trip{(result.RoundTrips == 1 ? "" : "s")}; {elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s" +
        (result.Protocol == "sqlrsync" ? "" : $"; spoke {result.Protocol.Replace(" ", "'s protocol ")}");

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string S(TimeSpan time) => time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    private static string Rate(double bytesPerSecond) => $"{(bytesPerSecond / 1e6).ToString("N1", CultureInfo.InvariantCulture)} MB/s";
}
