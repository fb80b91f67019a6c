using System.Diagnostics;
using System.Globalization;

namespace SqlRsync.Cli;

/// <summary>
/// A live one-line progress display on a terminal's stderr: phase, pages done of total, bytes, rate
/// and ETA, redrawn four times a second with a carriage return from the latest report of the sync. It
/// writes no escape sequences, and it is never started when stderr is not a terminal. Nothing is drawn
/// while the sync is starting: ssh may be asking the user something on the same terminal.
/// </summary>
internal sealed class ProgressLine : IProgress<SyncProgress>, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Timer _timer;
    private readonly object _drawing = new();
    private readonly TimeSpan _busyTimeout;
    private (SyncProgress Report, long At) _latest = (default, Stopwatch.GetTimestamp());
    private int _width;
    private bool _stopped;

    private ProgressLine(TimeSpan busyTimeout)
    {
        _busyTimeout = busyTimeout;
        _timer = new Timer(_ => Draw(), null, TimeSpan.Zero, Interval);
    }

    /// <summary>A running display, or null when it must not draw (off, or stderr is not a terminal).</summary>
    public static ProgressLine? StartIfWanted(OutputSettings output, TimeSpan busyTimeout) =>
        output.Progress && !output.Quiet && !Console.IsErrorRedirected ? new ProgressLine(busyTimeout) : null;

    public void Report(SyncProgress value)
    {
        lock (_drawing)
        {
            bool newPhase = value.Phase != _latest.Report.Phase;
            _latest = (value, Stopwatch.GetTimestamp());
            if (newPhase)
            {
                // Each phase shows at once, however short it is.
                Draw();
            }
        }
    }

    public static string Text(SyncPhase phase, long done, long total, long bytes, TimeSpan elapsed, TimeSpan busyTimeout = default)
    {
        if (phase == SyncPhase.Waiting)
        {
            string waited = elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            string most = busyTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            return $"waiting for the replica's write lock, held by another process: {waited} s of up to {most} s (--busy-timeout)";
        }
        var text = new System.Text.StringBuilder(phase.ToString().ToLowerInvariant());
        double seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        if (total > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {done:N0}/{total:N0} pages ({100.0 * done / total:0}%)");
        }
        else if (done > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {done:N0} pages");
        }
        if (bytes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {bytes / 1048576.0:N1} MiB  {bytes / 1048576.0 / seconds:N1} MiB/s");
        }
        if (total > 0 && done > 0 && done < total)
        {
            var eta = TimeSpan.FromSeconds(seconds * (total - done) / done);
            text.Append(CultureInfo.InvariantCulture, $"  ETA {(int)eta.TotalMinutes}:{eta.Seconds:00}");
        }
        return text.ToString();
    }

    private void Draw()
    {
        lock (_drawing)
        {
            var (report, at) = _latest;
            if (_stopped || report.Phase == SyncPhase.Starting)
            {
                return;
            }
            // A phase goes on between reports (a long wait sends none): its time does too.
            var elapsed = report.PhaseElapsed + Stopwatch.GetElapsedTime(at);
            var line = Text(report.Phase, report.PagesDone, report.PagesTotal, report.Bytes, elapsed, _busyTimeout);
            Console.Error.Write("\r" + line.PadRight(_width));
            _width = line.Length;
        }
    }

    /// <summary>Stops drawing and blanks the line, so whatever prints next starts clean.</summary>
    public void Dispose()
    {
        lock (_drawing)
        {
            _stopped = true;
            _timer.Dispose();
            if (_width > 0)
            {
                Console.Error.Write("\r" + new string(' ', _width) + "\r");
            }
        }
    }
}
