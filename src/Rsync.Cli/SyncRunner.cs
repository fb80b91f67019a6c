using System.Diagnostics;

namespace SqlRsync.Cli;

/// <summary>
/// What every sync command does around the sync itself: the progress line while it runs, Ctrl+C,
/// then the summary, the JSON report and the exit code (3 under --check when the databases differ).
/// </summary>
internal static class SyncRunner
{
    public static int Run(OutputSettings output, string origin, string replica, SyncEndpoint originEndpoint, SyncEndpoint replicaEndpoint, SyncOptions options)
    {
        var clock = Stopwatch.StartNew();
        using var interrupt = new CtrlC();
        SyncResult result;
        try
        {
            // The progress line is blanked before anything else prints, on success or failure.
            using (var progress = ProgressLine.StartIfWanted(output, options.BusyTimeout))
            {
                result = DatabaseSync.RunAsync(originEndpoint, replicaEndpoint, options, progress, interrupt.Token).GetAwaiter().GetResult();
            }
        }
        catch (SyncException e)
        {
            return Fail(output, origin, replica, e.Message, clock.Elapsed);
        }
        catch (OperationCanceledException)
        {
            Fail(output, origin, replica, "interrupted; the replica is as it was", clock.Elapsed);
            return Program.Interrupted;
        }

        // A dry run exists to report: its summary shows without -v.
        int verbosity = result.DryRun && !output.Quiet && !output.Json ? Math.Max(output.Verbosity, 1) : output.Verbosity;
        if (verbosity > 0)
        {
            foreach (var summaryLine in Summary.Lines(result, clock.Elapsed, verbosity))
            {
                Console.Error.WriteLine(summaryLine);
            }
        }
        if (output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForSuccess(origin, replica, result, clock.Elapsed, output.Check));
        }
        return output.Check && !result.Identical ? Program.Differ : Program.Success;
    }

    /// <summary>A failed sync (exit 1): the error line, and the JSON report when asked for.</summary>
    public static int Fail(OutputSettings output, string origin, string replica, string problem, TimeSpan elapsed = default)
    {
        if (output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForFailure(origin, replica, problem, elapsed));
        }
        return Program.Failed(problem);
    }

    /// <summary>
    /// The first Ctrl+C cancels the sync, which rolls the replica back and ends with one line; a second
    /// ends the process at once (a sync waiting on SQLite's busy timeout cannot stop sooner; the replica's
    /// own transaction still keeps it whole).
    /// </summary>
    private sealed class CtrlC : IDisposable
    {
        private readonly CancellationTokenSource _source = new();

        public CtrlC() => Console.CancelKeyPress += OnCancel;

        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancel;
            _source.Dispose();
        }

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = !_source.IsCancellationRequested;
            _source.Cancel();
        }
    }
}
