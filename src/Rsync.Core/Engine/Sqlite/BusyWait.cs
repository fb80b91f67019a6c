using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SqlRsync.Engine.Sqlite;

/// <summary>
/// How long one connection may wait for other processes' locks, in all, from the moment it is set.
/// sqlite3_busy_timeout bounds each lock attempt alone, and SQLite makes one attempt at every spill of
/// a transaction's page cache: a rollback-journal replica held by a reader while more pages arrive
/// than its cache holds waited the whole timeout once per spill (a 2 s timeout took 29 s, and would
/// have gone on for as long as the reader stayed). Once the budget is spent every attempt fails at
/// once, and <see cref="GaveUp"/> tells the caller, as a failed spill is not an error SQLite reports.
/// A cancelled sync stops waiting at once too.
/// </summary>
internal sealed class BusyWait
{
    // SQLite's own back-off between attempts, in milliseconds; 100 ms from then on.
    private static readonly int[] Delays = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50];
    private const int LastDelay = 100;

    private readonly TimeSpan _budget;
    private readonly CancellationToken _cancellation;
    private readonly Stopwatch _waited = new();

    public BusyWait(TimeSpan budget, CancellationToken cancellation)
    {
        _budget = budget;
        _cancellation = cancellation;
    }

    /// <summary>Whether a lock was given up on because the budget was spent.</summary>
    public bool GaveUp { get; private set; }

    /// <summary>Installs <paramref name="wait"/> as the busy handler of <paramref name="database"/>; the handle keeps it alive until freed.</summary>
    public static unsafe GCHandle Install(nint database, BusyWait wait)
    {
        var handle = GCHandle.Alloc(wait);
        int rc = SqliteNative.BusyHandler(database, &OnBusy, GCHandle.ToIntPtr(handle));
        if (rc != SqliteNative.Ok)
        {
            handle.Free();
            throw new SqliteCallException($"cannot set a busy handler: {SqliteNative.ErrorString(rc)}", rc);
        }
        return handle;
    }

    /// <summary>Sleeps before the next attempt and returns true, or returns false when the budget is spent or the sync cancelled.</summary>
    private bool SleepBeforeRetry(int attempt)
    {
        if (_cancellation.IsCancellationRequested)
        {
            return false;
        }
        var left = _budget - _waited.Elapsed;
        if (left <= TimeSpan.Zero)
        {
            GaveUp = true;
            return false;
        }
        var delay = TimeSpan.FromMilliseconds(attempt < Delays.Length ? Delays[attempt] : LastDelay);
        _waited.Start();
        Thread.Sleep(delay < left ? delay : left);
        _waited.Stop();
        return true;
    }

    [UnmanagedCallersOnly]
    private static int OnBusy(nint argument, int attempt) =>
        ((BusyWait)GCHandle.FromIntPtr(argument).Target!).SleepBeforeRetry(attempt) ? 1 : 0;
}
