using System.Globalization;

namespace SqlRsync.Cli;

/// <summary>The commands on an archive that are not syncs: --list, --verify, --prune.</summary>
internal static class ArchiveCommands
{
    public static int Run(ArchiveRequest request)
    {
        string? at = request.Command == ArchiveCommand.Verify ? request.Settings.At : null;
        try
        {
            var archive = request.Archive.IsRemote
                ? new ArchiveEndpoint(request.Remote.EndpointFor(request.Archive)) { KeyFile = request.Settings.KeyFile, At = at }
                : request.Archive.IsObjectStorage ? new ArchiveEndpoint(request.S3.StorageFor(request.Archive)) { KeyFile = request.Settings.KeyFile, At = at }
                : new ArchiveEndpoint(request.Archive.Path) { KeyFile = request.Settings.KeyFile, At = at };
            return request.Command switch
            {
                ArchiveCommand.List => List(request, archive),
                ArchiveCommand.Verify => Verify(request, archive),
                _ => Prune(request, archive),
            };
        }
        catch (SyncException e)
        {
            return Program.Failed(e.Message);
        }
    }

    /// <summary>
    /// One line per snapshot, oldest first — id, time (UTC), pages, database size, and the bytes it
    /// added to the archive — then a line of totals; with --json one object.
    /// </summary>
    private static int List(ArchiveRequest request, ArchiveEndpoint archive)
    {
        var snapshots = SnapshotArchives.ListAsync(archive, request.BusyTimeout).GetAwaiter().GetResult();
        if (request.Output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForList(archive.ToString(), snapshots));
            return Program.Success;
        }
        Console.Out.WriteLine($"{"id",-16}  {"time (UTC)",-19}  {"pages",12}  {"size",15}  {"added",15}");
        foreach (var snapshot in snapshots)
        {
            Console.Out.WriteLine($"{snapshot.Id,-16}  {Time(snapshot),-19}  {N(snapshot.PageCount),12}  {N(snapshot.DatabaseBytes),15}  " +
                $"{N(snapshot.BytesAdded),15}");
        }
        Console.Out.WriteLine($"{Count(snapshots.Count, "snapshot")}, {N(snapshots.Sum(snapshot => snapshot.BytesAdded))} bytes added in all");
        return Program.Success;
    }

    /// <summary>Exit 0 and one line when intact; else each problem on stderr, a last line, and exit 1.</summary>
    private static int Verify(ArchiveRequest request, ArchiveEndpoint archive)
    {
        var result = SnapshotArchives.VerifyAsync(archive, request.BusyTimeout).GetAwaiter().GetResult();
        if (request.Output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForVerify(archive.ToString(), result));
            return result.IsIntact ? Program.Success : Program.SyncFailed;
        }
        string read = $"{Count(result.Snapshots, "snapshot")}, {Count(result.Packs, "pack")}, {N(result.Blobs)} blobs, {N(result.BytesRead)} bytes read";
        if (result.IsIntact)
        {
            if (!request.Output.Quiet)
            {
                Console.Out.WriteLine($"archive {archive} is intact: {read}");
            }
            return Program.Success;
        }
        foreach (var problem in result.Problems)
        {
            Console.Error.WriteLine($"sqlrsync: {problem}");
        }
        return Program.Failed($"archive {archive} is damaged ({read}); restore the snapshots it names from another copy, or prune them");
    }

    /// <summary>The snapshots removed (or that would be), then a line of what stayed and what it freed.</summary>
    private static int Prune(ArchiveRequest request, ArchiveEndpoint archive)
    {
        var result = SnapshotArchives.PruneAsync(archive, request.Retention, request.DryRun, request.BusyTimeout).GetAwaiter().GetResult();
        if (request.Output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForPrune(archive.ToString(), result));
            return Program.Success;
        }
        if (request.Output.Quiet)
        {
            return Program.Success;
        }
        string verb = result.DryRun ? "would remove" : "removed";
        foreach (var snapshot in result.Removed)
        {
            Console.Out.WriteLine($"{verb} {snapshot.Id}  {Time(snapshot)}");
        }
        Console.Out.WriteLine($"{(result.DryRun ? "dry run: would keep" : "kept")} {Count(result.Kept.Count, "snapshot")}, {verb} " +
            $"{result.Removed.Count}; packs {(result.DryRun ? "to delete" : "deleted")} {result.PacksDeleted}, " +
            $"{(result.DryRun ? "to write" : "written")} {result.PacksWritten}; {N(result.BytesBefore)} bytes → {N(result.BytesAfter)}" +
            (result.DryRun ? " (about)" : ""));
        return Program.Success;
    }

    private static string Time(SnapshotInfo snapshot) => snapshot.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Count(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
