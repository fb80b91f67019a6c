namespace SqlRsync.Cli;

/// <summary>
/// What the command prints once a sync ran, whatever its shape, over its list of outcomes: a line per
/// failure (a replica, a database, a refused deletion), what a directory left out or deleted, the
/// summaries (-v), a line of totals for a run of several, the JSON report (--json), and the exit code:
/// 0 all synced, 4 some failed, 1 all did; under --check 3 when all were compared and some differ.
/// </summary>
internal static class Report
{
    public static int Print(SyncRequest request, RunOutcome run, TimeSpan elapsed)
    {
        var output = request.Output;
        bool talk = !output.Quiet && !output.Json;
        bool one = request.Shape == SyncShape.One;
        var failures = run.Failures.ToList();
        foreach (var failure in failures)
        {
            Program.Failed($"{failure.Name}: {WithoutHost(failure.Failure!.Message, run.HostOf(failure))}");
        }
        if (run.Directory is { } directory && talk)
        {
            PrintDirectoryFindings(request, directory);
        }
        var results = run.Results.ToList();
        // A directory's dry run is known from the request even when it has no database to report.
        bool dryRun = request.Shape == SyncShape.Directory ? request.Options.DryRun : results.Any(pair => pair.Result.DryRun);
        int verbosity = Verbosity(output, dryRun);
        if (verbosity > 0)
        {
            foreach (var (name, result) in results)
            {
                foreach (var line in SummaryLines(request.Shape, result, one ? elapsed : TimeSpent(result), verbosity))
                {
                    Console.Error.WriteLine(one ? line : $"{name}: {line}");
                }
            }
        }
        if (!one && (verbosity > 0 || failures.Count > 0) && talk)
        {
            Console.Error.WriteLine(Totals(request, run, results, failures, dryRun));
        }
        if (output.Json)
        {
            Console.Out.WriteLine(JsonReport.For(request, run, elapsed, dryRun));
        }
        int all = run.Outcomes.Count + (run.Directory?.Deletions.Count ?? 0);
        bool differ = results.Any(pair => !pair.Result.Identical);
        return run.Outcomes.Count > 0 && failures.Count == all ? Program.SyncFailed
            : failures.Count > 0 ? Program.SomeFailed
            : output.Check && differ ? Program.Differ
            : Program.Success;
    }

    /// <summary>A remote replica's own error already names its host ("edge@vault: replica ..."): name it once.</summary>
    private static string WithoutHost(string message, string? host) =>
        host is not null && message.StartsWith(host + ": ", StringComparison.Ordinal) ? message[(host.Length + 2)..] : message;

    /// <summary>A warning for each file left out, and the databases only the replica side has: deleted, or not.</summary>
    private static void PrintDirectoryFindings(SyncRequest request, DirectorySyncResult directory)
    {
        foreach (var refused in directory.Refused)
        {
            Console.Error.WriteLine($"sqlrsync: warning: left out {refused}");
        }
        var deleted = directory.Deletions.Where(deletion => deletion.Succeeded).Select(deletion => deletion.Name).ToList();
        if (deleted.Count > 0)
        {
            Console.Error.WriteLine($"sqlrsync: {(request.Options.DryRun ? "would delete" : "deleted")} from {request.ReplicaText}: " +
                $"{string.Join(", ", deleted)}");
        }
        else if (directory.OnlyOnReplica.Count > 0 && directory.Deletions.Count == 0)
        {
            Console.Error.WriteLine($"sqlrsync: only in {request.ReplicaText}, not deleted: {string.Join(", ", directory.OnlyOnReplica)} (--delete " +
                "deletes them)");
        }
    }

    /// <summary>The -v summary of one sync; a directory's databases get one line each at -v, the whole summary at -vv.</summary>
    private static IEnumerable<string> SummaryLines(SyncShape shape, SyncResult result, TimeSpan elapsed, int verbosity) =>
        shape == SyncShape.Directory && verbosity == 1
            ? new[] { Summary.Notice(result), Summary.PagesLine(result, elapsed) }.OfType<string>()
            : Summary.Lines(result, elapsed, verbosity);

    /// <summary>The line of totals of a run of several: which replicas hold the snapshot, or how many databases synced.</summary>
    private static string Totals(SyncRequest request, RunOutcome run, List<(string Name, SyncResult Result)> results, List<SyncOutcome> failures, bool dryRun)
    {
        string failed = failures.Count > 0 ? $"; failed: {string.Join(", ", failures.Select(failure => failure.Name))}" : "";
        if (request.Shape == SyncShape.Many)
        {
            string snapshot = results.Count > 0 ? $" ({results[0].Result.OriginPageCount:N0} pages)" : "";
            return $"sqlrsync: {results.Count} of {run.Outcomes.Count} replicas {(dryRun ? "compared with" : "hold")} one snapshot of " +
                $"{request.Origin}{snapshot}" +
                (results.Count > 0 ? $": {string.Join(", ", results.Select(pair => pair.Name))}" : "") + failed;
        }
        return $"sqlrsync: {(dryRun ? "compared" : "synced")} {results.Count} of {run.Outcomes.Count} databases from {request.Origin} to " +
            $"{request.ReplicaText}" + failed;
    }

    /// <summary>How much summary to print: a dry run exists to report, so its summary shows without -v (not with -q or --json).</summary>
    private static int Verbosity(OutputSettings output, bool dryRun) =>
        dryRun && !output.Quiet && !output.Json ? Math.Max(output.Verbosity, 1) : output.Verbosity;

    /// <summary>One database's share of a run that synced several: the time its phases took.</summary>
    private static TimeSpan TimeSpent(SyncResult result) =>
        result.Phases.Hashing + result.Phases.Comparing + result.Phases.Sending + result.Phases.Committing;
}
