using System.Diagnostics;

namespace SqlRsync.Tests.Support;

/// <summary>A watch started on the library's thread, whose cycles and messages the test reads; stopping it is cancelling it.</summary>
public sealed class LibraryWatch : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<WatchCycle> _cycles = [];
    private readonly List<string> _said = [];
    private readonly Task<WatchSummary> _running;

    public LibraryWatch(string origin, IReadOnlyList<SyncEndpoint> replicas, WatchOptions options)
    {
        options = options with { Sync = options.Sync with { Warnings = Say } };
        _running = DatabaseSync.WatchAsync(SyncEndpoint.Local(origin), replicas, options, new CycleList(_cycles), _stop.Token);
    }

    public IReadOnlyList<WatchCycle> Cycles
    {
        get
        {
            lock (_cycles)
            {
                return [.. _cycles];
            }
        }
    }

    public IReadOnlyList<string> Said
    {
        get
        {
            lock (_said)
            {
                return [.. _said];
            }
        }
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; fails naming <paramref name="what"/> if the watch ended or time is up.</summary>
    public void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_running.IsCompleted)
            {
                _running.GetAwaiter().GetResult();
                Assert.Fail($"the watch ended before {what}");
            }
            Assert.True(clock.Elapsed < Patience, $"{what}: not within {Patience.TotalSeconds} s; said: {string.Join(" | ", Said)}");
            Thread.Sleep(20);
        }
    }

    public async Task<WatchSummary> StopAsync()
    {
        _stop.Cancel();
        return await _running.WaitAsync(Patience);
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _running.Wait(Patience);
        }
        catch (AggregateException)
        {
            // The test already failed on it.
        }
        _stop.Dispose();
    }

    private void Say(string line)
    {
        lock (_said)
        {
            _said.Add(line);
        }
    }

    private sealed class CycleList(List<WatchCycle> cycles) : IProgress<WatchCycle>
    {
        public void Report(WatchCycle value)
        {
            lock (cycles)
            {
                cycles.Add(value);
            }
        }
    }
}
