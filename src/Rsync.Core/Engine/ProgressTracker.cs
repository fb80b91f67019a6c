using System.Diagnostics;

namespace SqlRsync.Engine;

/// <summary>
/// Where one side of a sync is: its phase, pages done of the phase's total, and bytes. The side's
/// thread writes it; any other thread may read it at any time. It keeps how long each phase took, for
/// the result; reports to an <see cref="IProgress{T}"/> when a phase starts and at most four times a
/// second within one; and stops the side, at its next page, once the sync is cancelled — but only up
/// to the point of no return (<see cref="BeginCommit"/>): after that the sync finishes, so that a
/// cancelled sync always means the replica is as it was. A side begins in <see cref="SyncPhase.Starting"/>,
/// reported as soon as the tracker is made.
/// </summary>
internal sealed class ProgressTracker
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    private readonly IProgress<SyncProgress>? _reports;
    private readonly CancellationToken _cancellation;

    public ProgressTracker(IProgress<SyncProgress>? reports = null, CancellationToken cancellation = default)
    {
        _reports = reports;
        _cancellation = cancellation;
        Report(TimeSpan.Zero);
    }

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan[] _timeIn = new TimeSpan[Enum.GetValues<SyncPhase>().Length];
    private TimeSpan _phaseStart;
    private TimeSpan _lastReport;
    private int _phase;
    private long _pagesDone;
    private long _pagesTotal;
    private long _bytes;
    private readonly object _commitGate = new();
    private bool _committing;

    public SyncPhase Phase => (SyncPhase)Volatile.Read(ref _phase);

    public long PagesDone => Volatile.Read(ref _pagesDone);

    /// <summary>Pages this phase will handle (0 when unknown or not counted in pages).</summary>
    public long PagesTotal => Volatile.Read(ref _pagesTotal);

    /// <summary>Bytes handled in this phase so far.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Time since the current phase began.</summary>
    public TimeSpan PhaseElapsed => _clock.Elapsed - _phaseStart;

    public CancellationToken Cancellation => _cancellation;

    public SyncProgress Snapshot => new(Phase, PagesDone, PagesTotal, Bytes, PhaseElapsed);

    /// <summary>How long the side spent in <paramref name="phase"/> (so far, if it is the current one).</summary>
    public TimeSpan TimeIn(SyncPhase phase) => phase == Phase ? _timeIn[(int)phase] + PhaseElapsed : _timeIn[(int)phase];

    public PhaseTimes PhaseTimes => new(TimeIn(SyncPhase.Hashing), TimeIn(SyncPhase.Comparing), TimeIn(SyncPhase.Sending), TimeIn(SyncPhase.Committing));

    /// <summary>
    /// The point of no return: the origin is about to send Done, or the replica about to commit. Throws
    /// if the sync was cancelled before; after it, cancellation no longer stops this side.
    /// </summary>
    public void BeginCommit()
    {
        lock (_commitGate)
        {
            _cancellation.ThrowIfCancellationRequested();
            _committing = true;
        }
    }

    /// <summary>Calls <paramref name="stop"/> when the sync is cancelled before the point of no return.</summary>
    public CancellationTokenRegistration OnCancelBeforeCommit(Action stop) => _cancellation.Register(() =>
    {
        lock (_commitGate)
        {
            if (!_committing)
            {
                stop();
            }
        }
    });

    public void Enter(SyncPhase phase, long pagesTotal = 0)
    {
        ThrowIfCancelled();
        var now = _clock.Elapsed;
        _timeIn[_phase] += now - _phaseStart;
        _phaseStart = now;
        Volatile.Write(ref _pagesDone, 0);
        Volatile.Write(ref _bytes, 0);
        Volatile.Write(ref _pagesTotal, pagesTotal);
        Volatile.Write(ref _phase, (int)phase);
        Report(now);
    }

    public void Advance(long pages, long bytes)
    {
        // One writer: plain read-modify-write, published with a volatile store.
        Volatile.Write(ref _pagesDone, _pagesDone + pages);
        Volatile.Write(ref _bytes, _bytes + bytes);
        if (_reports is not null || _cancellation.CanBeCanceled)
        {
            ThrowIfCancelled();
            var now = _clock.Elapsed;
            if (now - _lastReport >= ReportInterval)
            {
                Report(now);
            }
        }
    }

    private void ThrowIfCancelled()
    {
        if (!Volatile.Read(ref _committing))
        {
            _cancellation.ThrowIfCancellationRequested();
        }
    }

    private void Report(TimeSpan now)
    {
        _lastReport = now;
        _reports?.Report(Snapshot);
    }
}
