using System.Diagnostics;
using Rsync.Core.Sync;
using Rsync.Protocol.Messages;

namespace Rsync.Cli;

/// <summary>
/// What every sync command does around the sync itself: the progress line while it runs, then the
/// summary, the JSON report and the exit code (3 under --check when the databases differ).
/// </summary>
internal static class SyncRunner
{
    /// <param name="sync">Runs the sync, reporting into the progress it is given.</param>
    /// <param name="describeFailure">The one line to print for a failed sync.</param>
    public static int Run(OutputSettings output, string origin, string replica, Func<SyncProgress, SyncResult> sync, Func<Exception, string> describeFailure)
    {
        var clock = Stopwatch.StartNew();
        var progress = new SyncProgress();
        SyncResult result;
        try
        {
            // The progress line is blanked before anything else prints, on success or failure.
            using (ProgressLine.StartIfWanted(output, progress))
            {
                result = sync(progress);
            }
        }
        catch (Exception e) when (e is SyncException or PeerErrorException)
        {
            return Fail(output, origin, replica, describeFailure(e), clock.Elapsed);
        }

        if (output.Verbosity > 0)
        {
            foreach (var summaryLine in Summary.Lines(result, clock.Elapsed, output.Verbosity))
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
}
