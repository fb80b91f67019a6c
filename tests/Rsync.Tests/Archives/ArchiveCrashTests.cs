using System.Diagnostics;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// SIGKILL of a sqlrsync that is adding a snapshot, at a random moment of its run: afterwards the archive
/// verifies intact, it lists the snapshots it had and at most the one being added, every snapshot
/// restores exactly the state it was taken of, and a prune clears whatever the killed add left.
/// </summary>
public class ArchiveCrashTests
{
    private const int Runs = 8;

    [Fact]
    public async Task AKilledAddLeavesTheArchiveAsItWasOrWithTheWholeNewSnapshot()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 20000);
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var states = new Dictionary<string, string>();
        var first = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;
        states[first.Id] = TestDatabase.CheckpointedCopy(origin, dir.File("state-first.db"));

        // How long one add by the program takes here, so that the kills land all over it.
        TestDatabase.Change(origin, Situation.ThirtyPercentChanged);
        var timer = Stopwatch.StartNew();
        Assert.Equal(0, SqlRsyncProgram.Run(origin, archive.Path).ExitCode);
        var whole = timer.Elapsed;
        var listed = (await SnapshotArchives.ListAsync(archive)).Single(snapshot => !states.ContainsKey(snapshot.Id));
        states[listed.Id] = TestDatabase.CheckpointedCopy(origin, dir.File("state-timed.db"));

        var random = new Random(20261207);
        int completed = 0;
        for (int run = 0; run < Runs; run++)
        {
            TestDatabase.Change(origin, Situation.ThirtyPercentChanged);
            var state = TestDatabase.CheckpointedCopy(origin, dir.File($"state-{run}.db"));
            using (var add = ExternalProgram.Start("dotnet", [SqlRsyncProgram.DllPath, origin, archive.Path]))
            {
                Thread.Sleep(TimeSpan.FromMilliseconds((0.2 + 0.8 * random.NextDouble()) * whole.TotalMilliseconds));
                add.Kill();
                add.WaitForExit();
            }

            var verified = await SnapshotArchives.VerifyAsync(archive);
            Assert.True(verified.IsIntact, $"run {run}: {string.Join("; ", verified.Problems)}");
            var snapshots = await SnapshotArchives.ListAsync(archive);
            var added = snapshots.Where(snapshot => !states.ContainsKey(snapshot.Id)).ToList();
            Assert.True(added.Count <= 1, $"run {run}: {added.Count} snapshots appeared");
            Assert.Equal(states.Count, snapshots.Count - added.Count);
            if (added.Count == 1)
            {
                states[added[0].Id] = state;
                completed++;
            }
        }
        foreach (var (id, state) in states)
        {
            var restored = dir.File($"restored-{id}.db");
            await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Path) { At = id }, SyncEndpoint.Local(restored));
            TestDatabase.AssertSynced(state, restored, 4096);
        }

        await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = states.Count });
        Assert.Empty(Directory.GetFiles(archive.Path, ".tmp-*", SearchOption.AllDirectories));
        Assert.True((await SnapshotArchives.VerifyAsync(archive)).IsIntact);
        Assert.True(completed < Runs, "every add finished before its kill: the kills never landed inside one");
    }
}
