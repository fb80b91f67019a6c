using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// Adds without the lock, where a store gives a prune grace instead (object storage): a prune only
/// condemns what no snapshot needs, and deletes it once it has been unneeded for the whole grace, so an
/// add that read its parent before the prune removed it still finds every blob it names. The store is
/// in memory with a clock of the test's, so that the grace passes when the test says; the interleaving
/// is real: the prune runs, through the public API, while the add waits to write its record.
/// </summary>
public class PruneGraceTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    [Fact]
    public async Task AnAddWhoseParentIsPrunedMeanwhileStillRestoresExactly()
    {
        using var dir = new TempDirectory();
        var (x, y, xChanged) = (dir.File("x.db"), dir.File("y.db"), dir.File("x-changed.db"));
        TestDatabase.Create(x, rows: 3000);
        TestDatabase.Create(y, rows: 3000, seed: 2);
        File.Copy(x, xChanged);
        TestDatabase.Change(xChanged, Situation.OnePercentChanged);
        using var storage = new GraceStorage(new ManualClock());
        var archive = new ArchiveEndpoint(storage);
        var parent = (await DatabaseSync.RunAsync(SyncEndpoint.Local(x), archive)).Snapshot!;

        // While the add of x-changed (compared with x's snapshot) waits to write its record, y is added and a prune keeps
        // only y's snapshot: x's snapshot goes, and the pages only it had are unneeded, as far as that prune can see.
        storage.BeforeRecord = () =>
        {
            storage.BeforeRecord = null;
            DatabaseSync.RunAsync(SyncEndpoint.Local(y), archive).GetAwaiter().GetResult();
            var pruned = SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 1 }).GetAwaiter().GetResult();
            Assert.Contains(parent.Id, pruned.Removed.Select(snapshot => snapshot.Id));
        };
        var added = (await DatabaseSync.RunAsync(SyncEndpoint.Local(xChanged), archive)).Snapshot!;
        Assert.Null(storage.BeforeRecord);

        await AssertRestores(archive, added, xChanged, dir);
        // Past the grace, a prune sees the new snapshot, which needs those pages: they stay.
        storage.Clock.Advance(Grace * 2);
        await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 2 });
        await AssertRestores(archive, added, xChanged, dir);
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);
    }

    [Fact]
    public async Task WhatNoSnapshotNeedsIsDeletedOnlyOnceTheGraceHasPassed()
    {
        using var dir = new TempDirectory();
        var (x, y) = (dir.File("x.db"), dir.File("y.db"));
        TestDatabase.Create(x, rows: 3000);
        TestDatabase.Create(y, rows: 3000, seed: 2);
        using var storage = new GraceStorage(new ManualClock());
        var archive = new ArchiveEndpoint(storage);
        await DatabaseSync.RunAsync(SyncEndpoint.Local(x), archive);
        var kept = (await DatabaseSync.RunAsync(SyncEndpoint.Local(y), archive)).Snapshot!;
        var packsBefore = storage.Keys("packs/");

        var first = await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 1 });
        storage.Clock.Advance(Grace / 2);
        var second = await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 1 });

        Assert.Equal(0, first.PacksDeleted);
        Assert.Equal(0, second.PacksDeleted);
        Assert.Equal(packsBefore, storage.Keys("packs/"));
        Assert.Single(storage.Keys("condemned/"));
        storage.Clock.Advance(Grace / 2);
        var third = await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 1 });
        Assert.True(third.PacksDeleted > 0);
        Assert.Equal(packsBefore.Count - third.PacksDeleted + third.PacksWritten, storage.Keys("packs/").Count);
        Assert.Empty(storage.Keys("condemned/"));
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);
        await AssertRestores(archive, kept, y, dir);
    }

    [Fact]
    public async Task AnAddThatRunsPastAThirdOfTheGraceTakesTheLockAndChecksWhatItReliesOn()
    {
        using var dir = new TempDirectory();
        var x = dir.File("x.db");
        TestDatabase.Create(x, rows: 3000);
        using var storage = new GraceStorage(new ManualClock());
        var archive = new ArchiveEndpoint(storage);
        var parent = (await DatabaseSync.RunAsync(SyncEndpoint.Local(x), archive)).Snapshot!;
        TestDatabase.Change(x, Situation.ThirtyPercentChanged);

        // The add's first pack is written, then the clock jumps past a third of the grace.
        storage.BeforePack = () => storage.Clock.Advance(Grace / 2);
        int locksBefore = storage.SharedLocksTaken;
        var added = (await DatabaseSync.RunAsync(SyncEndpoint.Local(x), archive)).Snapshot!;
        Assert.Equal(locksBefore + 1, storage.SharedLocksTaken);
        await AssertRestores(archive, added, x, dir);

        // Once more, and this time the snapshot it continues is gone when it looks: it adds nothing, in one line.
        TestDatabase.Change(x, Situation.ThirtyPercentChanged);
        storage.BeforePack = () =>
        {
            storage.BeforePack = null;
            storage.Clock.Advance(Grace / 2);
            storage.RemoveSnapshot(added.Id);
        };
        var failure = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(SyncEndpoint.Local(x), archive));
        Assert.Contains("was pruned while this snapshot was being added, so none was added", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
        Assert.Equal([parent.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
    }

    /// <summary>
    /// A prune replaces every index with one listing the same packs, an add's fresh one too: an add that then runs
    /// long and checks what it relies on looks for its packs, which stay, not for its index, which may be gone.
    /// </summary>
    [Fact]
    public async Task ALongAddWhoseIndexAPruneReplacedStillCommits()
    {
        using var dir = new TempDirectory();
        var x = dir.File("x.db");
        TestDatabase.Create(x, rows: 3000);
        using var storage = new GraceStorage(new ManualClock());
        var archive = new ArchiveEndpoint(storage);
        await DatabaseSync.RunAsync(SyncEndpoint.Local(x), archive);
        TestDatabase.Change(x, Situation.OnePercentChanged);
        storage.AfterIndex = () =>
        {
            storage.AfterIndex = null;
            var indexes = storage.Keys("index/");
            SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 5 }).GetAwaiter().GetResult();
            Assert.NotEqual(indexes, storage.Keys("index/"));
            storage.Clock.Advance(Grace / 2);
        };

        var added = (await DatabaseSync.RunAsync(SyncEndpoint.Local(x), archive)).Snapshot!;

        Assert.Null(storage.AfterIndex);
        await AssertRestores(archive, added, x, dir);
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);
    }

    private static async Task AssertRestores(ArchiveEndpoint archive, SnapshotInfo snapshot, string origin, TempDirectory dir)
    {
        var restored = dir.File($"restored-{Guid.NewGuid():N}.db");
        await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Storage!) { At = snapshot.Id }, SyncEndpoint.Local(restored));
        TestDatabase.AssertSynced(origin, restored, 4096);
    }

    /// <summary>A clock that moves only when the test says.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    /// <summary>Objects in memory, with a prune grace, the test's clock, and hooks run before a pack or a record is written, and after an index.</summary>
    private sealed class GraceStorage(ManualClock clock) : ObjectStorage, IDisposable
    {
        private readonly Dictionary<string, byte[]> _objects = [];
        private readonly SemaphoreSlim _lock = new(1, 1);
        private int _sharedLocksTaken;

        public ManualClock Clock { get; } = clock;

        public Action? BeforeRecord { get; set; }

        public Action? BeforePack { get; set; }

        public Action? AfterIndex { get; set; }

        public int SharedLocksTaken => Volatile.Read(ref _sharedLocksTaken);

        public override string Location => "memory://grace/";

        public override ObjectStore Open() => new GraceStore(this);

        public override ObjectStorage Under(string name) => throw new NotSupportedException();

        public void Dispose() => _lock.Dispose();

        public List<string> Keys(string prefix)
        {
            lock (_objects)
            {
                return [.. _objects.Keys.Where(key => key.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
            }
        }

        public void RemoveSnapshot(string id)
        {
            lock (_objects)
            {
                _objects.Remove(Keys("snapshots/").Single(key => key.EndsWith(id, StringComparison.Ordinal)));
            }
        }

        private sealed class GraceStore(GraceStorage storage) : ObjectStore
        {
            private Dictionary<string, byte[]> Objects => storage._objects;

            public override string Location => storage.Location;

            public override TimeSpan PruneGrace => Grace;

            public override TimeProvider Clock => storage.Clock;

            public override byte[]? Read(string key)
            {
                lock (Objects)
                {
                    return Objects.TryGetValue(key, out var data) ? data : null;
                }
            }

            public override byte[] ReadRange(string key, long offset, int length)
            {
                var data = Read(key) ?? throw new IOException($"{key}: no such object");
                return offset + length <= data.Length ? data.AsSpan((int)offset, length).ToArray() : throw new IOException($"{key}: cut short");
            }

            public override bool Create(string key, ReadOnlySpan<byte> data)
            {
                if (key.StartsWith("packs/", StringComparison.Ordinal))
                {
                    storage.BeforePack?.Invoke();
                }
                bool created;
                lock (Objects)
                {
                    created = Objects.TryAdd(key, data.ToArray());
                }
                if (key.StartsWith("index/", StringComparison.Ordinal))
                {
                    storage.AfterIndex?.Invoke();
                }
                return created;
            }

            public override void CreateUnique(string key, ReadOnlySpan<byte> data)
            {
                var copy = data.ToArray();
                storage.BeforeRecord?.Invoke();
                base.CreateUnique(key, copy);
            }

            public override IReadOnlyList<StoredObject> List(string prefix)
            {
                lock (Objects)
                {
                    return [.. Objects.Where(entry => entry.Key.StartsWith(prefix, StringComparison.Ordinal))
                        .Select(entry => new StoredObject(entry.Key, entry.Value.Length)).OrderBy(stored => stored.Key, StringComparer.Ordinal)];
                }
            }

            public override void Delete(string key)
            {
                lock (Objects)
                {
                    Objects.Remove(key);
                }
            }

            /// <summary>One holder at a time, shared or not: enough for one test's sequence.</summary>
            public override IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation)
            {
                if (!storage._lock.Wait(wait, cancellation))
                {
                    throw new TimeoutException();
                }
                if (!exclusive)
                {
                    Interlocked.Increment(ref storage._sharedLocksTaken);
                }
                return new Held(storage._lock);
            }

            private sealed class Held(SemaphoreSlim semaphore) : IDisposable
            {
                private int _released;

                public void Dispose()
                {
                    if (Interlocked.Exchange(ref _released, 1) == 0)
                    {
                        semaphore.Release();
                    }
                }
            }
        }
    }
}
