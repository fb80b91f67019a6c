using System.Globalization;
using Rsync.Core.Sync;

namespace Rsync.Cli;

/// <summary>
/// A live one-line progress display on a terminal's stderr: phase, pages done of total, bytes, rate
/// and ETA, redrawn four times a second with a carriage return. It writes no escape sequences, and
/// it is never started when stderr is not a terminal.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly SyncProgress _progress;
    private readonly Timer _timer;
    private readonly object _drawing = new();
    private int _width;
    private bool _stopped;

    private ProgressLine(SyncProgress progress)
    {
        _progress = progress;
        _timer = new Timer(_ => Draw(), null, TimeSpan.Zero, Interval);
    }

    /// <summary>A running display, or null when it must not draw (off, or stderr is not a terminal).</summary>
    public static ProgressLine? StartIfWanted(OutputSettings output, SyncProgress progress) =>
        output.Progress && !output.Quiet && !Console.IsErrorRedirected ? new ProgressLine(progress) : null;

    public static string Text(SyncPhase phase, long done, long total, long bytes, TimeSpan elapsed)
    {
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
            if (_stopped)
            {
                return;
            }
            var line = Text(_progress.Phase, _progress.PagesDone, _progress.PagesTotal, _progress.Bytes, _progress.PhaseElapsed);
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
