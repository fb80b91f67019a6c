using System.Globalization;

namespace SqlRsync.Cli;

/// <summary>
/// `--watch`: keeps the replicas fresh until Ctrl+C or SIGTERM, which end the cycle under way (every
/// replica at a committed state) and exit 0. With -v a line per cycle on stderr, with --json a JSON
/// object per cycle on stdout (one per line); what happens to a replica (it failed, it synced again)
/// and to the origin (gone, moved over) is said once, on stderr, unless --quiet.
/// </summary>
internal static class WatchRunner
{
    public static int Run(SyncRequest request, SyncEndpoint origin, IReadOnlyList<SyncEndpoint> replicas)
    {
        var output = request.Output;
        var options = new WatchOptions
        {
            Sync = request.Options with { Warnings = output.Quiet ? null : line => Console.Error.WriteLine($"sqlrsync: {line}") },
            Interval = request.Watch!.Interval,
            SnapshotEvery = request.Watch.SnapshotEvery,
        };
        using var interrupt = new Interruption();
        try
        {
            var summary = DatabaseSync.WatchAsync(origin, replicas, options, new CycleLines(request), interrupt.Token).GetAwaiter().GetResult();
            if (output.Verbosity > 0 && !output.Json)
            {
                Console.Error.WriteLine($"stopped ({(interrupt.ByTerminate ? "SIGTERM" : "interrupted")}) after {summary.Cycles:N0} cycles, " +
                    $"{summary.Rescans:N0} of them rescans, {summary.FailedSyncs:N0} failed syncs");
            }
            return Program.Success;
        }
        catch (SyncException e)
        {
            return Program.Failed(e.Message);
        }
    }

    /// <summary>Prints each cycle as it ends, on the watch's own thread (a Progress&lt;T&gt; would print them out of order).</summary>
    private sealed class CycleLines(SyncRequest request) : IProgress<WatchCycle>
    {
        public void Report(WatchCycle cycle)
        {
            if (request.Output.Json)
            {
                Console.Out.WriteLine(JsonReport.ForCycle(request.Origin.ToString(), cycle));
            }
            else if (request.Output.Verbosity > 0)
            {
                int failed = cycle.Replicas.Count(outcome => !outcome.Succeeded);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{cycle.Started.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} cycle {cycle.Number}: {cycle.PagesSent:N0} pages ({cycle.BytesSent:N0} bytes) " +
                    $"to {cycle.Replicas.Count - failed} of {cycle.Replicas.Count} replicas, lag {cycle.Lag.TotalMilliseconds:0} ms, " +
                    $"{cycle.Duration.TotalMilliseconds:0} ms{(cycle.Rescan ? ", rescan" : "")}"));
            }
        }
    }
}
