using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Library;

/// <summary>The phases a library user's IProgress is told, in order, starting with Starting (it was never reported).</summary>
public sealed class ProgressTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class PhaseRecorder : IProgress<SyncProgress>
    {
        public List<SyncPhase> Phases { get; } = [];

        public void Report(SyncProgress value)
        {
            lock (Phases)
            {
                if (Phases.Count == 0 || Phases[^1] != value.Phase)
                {
                    Phases.Add(value.Phase);
                }
            }
        }
    }

    [Fact]
    public async Task EveryPhaseIsReportedInOrderFromStartingToFinished()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000);
        Syncs.Local(origin, replica);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var recorder = new PhaseRecorder();

        // Reported as they happen: the recorder is not a Progress<T>, which would post to the thread pool.
        await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), SyncEndpoint.Local(replica), progress: recorder);

        Assert.Equal([SyncPhase.Starting, SyncPhase.Hashing, SyncPhase.Comparing, SyncPhase.Sending, SyncPhase.Committing, SyncPhase.Finished],
            recorder.Phases);
    }
}
