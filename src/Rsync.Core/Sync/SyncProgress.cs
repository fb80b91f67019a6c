using System.Diagnostics;

namespace Rsync.Core.Sync;

public enum SyncPhase
{
    Starting,
    Hashing,
    Comparing,
    Sending,
    Committing,
    Finished,
}

/// <summary>
/// Where one side of a sync is: its phase, pages done of the phase's total, and bytes. The side's
/// thread writes it; any other thread may read it at any time (a progress display polls it). It also
/// keeps how long each phase took, for the summary.
/// </summary>
public sealed class SyncProgress
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan[] _timeIn = new TimeSpan[Enum.GetValues<SyncPhase>().Length];
    private TimeSpan _phaseStart;
    private int _phase;
    private long _pagesDone;
    private long _pagesTotal;
    private long _bytes;

    public SyncPhase Phase => (SyncPhase)Volatile.Read(ref _phase);

    public long PagesDone => Volatile.Read(ref _pagesDone);

    /// <summary>Pages this phase will handle (0 when unknown or not counted in pages).</summary>
    public long PagesTotal => Volatile.Read(ref _pagesTotal);

    /// <summary>Bytes handled in this phase so far.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Time since the current phase began.</summary>
    public TimeSpan PhaseElapsed => _clock.Elapsed - _phaseStart;

    /// <summary>How long the side spent in <paramref name="phase"/> (so far, if it is the current one).</summary>
    public TimeSpan TimeIn(SyncPhase phase) => phase == Phase ? _timeIn[(int)phase] + PhaseElapsed : _timeIn[(int)phase];

    internal void Enter(SyncPhase phase, long pagesTotal = 0)
    {
        var now = _clock.Elapsed;
        _timeIn[_phase] += now - _phaseStart;
        _phaseStart = now;
        Volatile.Write(ref _pagesDone, 0);
        Volatile.Write(ref _bytes, 0);
        Volatile.Write(ref _pagesTotal, pagesTotal);
        Volatile.Write(ref _phase, (int)phase);
    }

    internal void Advance(long pages, long bytes)
    {
        // One writer: plain read-modify-write, published with a volatile store.
        Volatile.Write(ref _pagesDone, _pagesDone + pages);
        Volatile.Write(ref _bytes, _bytes + bytes);
    }
}
