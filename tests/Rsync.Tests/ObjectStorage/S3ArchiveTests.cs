using SqlRsync.S3;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// Snapshot archives in a real Swift through <c>new ArchiveEndpoint(new S3Storage(...))</c>, as a library user
/// writes it: adding, listing, restoring, verifying and pruning; a directory of databases; two writers at once.
/// </summary>
public sealed class S3ArchiveTests(SwiftServer swift) : IClassFixture<SwiftServer>
{
    [SkippableFact]
    public async Task SnapshotsAreAddedListedRestoredVerifiedAndPruned()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 2000);
        var older = dir.File("older.db");
        var bucket = SwiftBuckets.New(swift);
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "backups/app"));

        var first = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;
        File.Copy(origin, older);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var second = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;

        Assert.Equal($"s3://{bucket}/backups/app/", archive.Storage!.Location);
        Assert.Equal([first.Id, second.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        var restored = dir.File("restored.db");
        await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Storage) { At = first.Id }, SyncEndpoint.Local(restored));
        TestDatabase.AssertSynced(older, restored, 4096);
        // Into the existing replica, the newest snapshot: only the pages that differ are written.
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(restored));
        TestDatabase.AssertSynced(origin, restored, 4096);
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);

        var pruned = await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 1 });

        Assert.Equal([second.Id], pruned.Kept.Select(snapshot => snapshot.Id));
        Assert.Equal([second.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);
        var afterPrune = dir.File("after-prune.db");
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(afterPrune));
        TestDatabase.AssertSynced(origin, afterPrune, 4096);
    }

    /// <summary>
    /// A scheduled snapshot of a database that did not change costs three requests, counted at the
    /// server (issue 30: at most 3): the config read, the newest snapshot's record (named by this
    /// machine's cache: no listing) and the new record written (no HEAD first: its name is random). No
    /// lock, no listing, no map read: the map comes from the cache.
    /// </summary>
    [SkippableFact]
    public async Task AnUnchangedSnapshotTakesThreeRequests()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 2000);
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, SwiftBuckets.New(swift), "unchanged", cacheDirectory: dir.File("cache")));
        var first = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;
        int before = swift.ClientRequests().Count;

        var again = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;

        var requests = swift.ClientRequests().Skip(before).Select(request => $"{request.Method} {PathInArchive(request, "unchanged")}").ToList();
        Assert.Equal(["GET config", $"GET snapshots/{first.Time.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-{first.Id}",
            $"PUT snapshots/{again.Time.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-{again.Id}"], requests);
        Assert.Equal(0, again.PagesAdded);
        Assert.Equal([first.Id, again.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
    }

    /// <summary>
    /// A snapshot of a change writes its packs, one index and its record, and nothing else (issue 30: at
    /// most 2 + packs PUTs, no LIST on the path of an add); without the cache it still restores exactly.
    /// </summary>
    [SkippableFact]
    public async Task ASnapshotOfAChangePutsItsPacksAnIndexAndItsRecordAndListsNothing()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 20000);
        var bucket = SwiftBuckets.New(swift);
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "changed", cacheDirectory: dir.File("cache")));
        await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        int before = swift.ClientRequests().Count;

        var added = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;

        var requests = swift.ClientRequests().Skip(before).ToList();
        Assert.DoesNotContain(requests, request => request.Path.Contains("list-type=2", StringComparison.Ordinal));
        var puts = requests.Where(request => request.Method == "PUT").Select(request => PathInArchive(request, "changed")).ToList();
        int packs = puts.Count(path => path.StartsWith("packs/", StringComparison.Ordinal));
        Assert.InRange(packs, 1, 2);
        Assert.Equal(packs + 2, puts.Count);
        Assert.Single(puts, path => path.StartsWith("index/", StringComparison.Ordinal));
        Assert.Single(puts, path => path.StartsWith("snapshots/", StringComparison.Ordinal));
        Assert.True(added.PagesAdded > 0);
        var restored = dir.File("restored.db");
        await DatabaseSync.RunAsync(new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "changed", cacheDirectory: dir.File("other-cache"))),
            SyncEndpoint.Local(restored));
        TestDatabase.AssertSynced(origin, restored, 4096);
    }

    /// <summary>
    /// A restore reads each pack in few requests however its pages are spread: after ten small changes, each
    /// window of pages wants a few pages from every change's pack, and reading ahead takes them all at once
    /// (issue 30: a restore of 1 GiB had made 8,000 ranged GETs of 15 KB). At most three GETs per pack it
    /// reads (each change's pack holds a chunk of the map too, read apart); without reading ahead, 56 for 12.
    /// </summary>
    [SkippableFact]
    public async Task ARestoreReadsEachPackInFewRequests()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 60000);
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, SwiftBuckets.New(swift), "spread"));
        await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);
        for (int change = 1; change <= 10; change++)
        {
            TestDatabase.Sqlite3Cli(origin, $"UPDATE items SET name = name || '{change}' WHERE id % 2000 = {change};");
            await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);
        }
        int before = swift.ClientRequests().Count;

        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(dir.File("restored.db")));

        var packReads = swift.ClientRequests().Skip(before).Where(request => request.Method == "GET")
            .Select(request => PathInArchive(request, "spread")).Where(path => path.StartsWith("packs/", StringComparison.Ordinal)).ToList();
        int packs = packReads.Distinct().Count();
        Assert.True(packs >= 11, $"the restore read {packs} packs");
        Assert.True(packReads.Count <= 3 * packs, $"{packReads.Count} reads of {packs} packs");
        TestDatabase.AssertSynced(origin, dir.File("restored.db"), 4096);
    }

    /// <summary>The path of a request to the archive under <paramref name="prefix"/>, as the archive names its objects.</summary>
    private static string PathInArchive(SwiftServer.ProxyRequest request, string prefix)
    {
        int at = request.Path.IndexOf($"/{prefix}/", StringComparison.Ordinal);
        return at < 0 ? request.Path : request.Path[(at + prefix.Length + 2)..];
    }

    [SkippableFact]
    public async Task ADirectoryOfDatabasesKeepsAnArchivePerDatabaseUnderThePrefix()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var databases = dir.File("databases");
        Directory.CreateDirectory(Path.Combine(databases, "sub"));
        TestDatabase.Create(Path.Combine(databases, "a.db"), rows: 200);
        TestDatabase.Create(Path.Combine(databases, "sub", "b.db"), rows: 300);
        var bucket = SwiftBuckets.New(swift);
        var root = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "tenants"));

        var result = await DatabaseSync.RunDirectoryAsync(SyncEndpoint.Local(databases), root, new DirectoryOptions { Recursive = true });

        Assert.Equal(2, result.Databases.Count(outcome => outcome.Failure is null));
        foreach (var name in (string[])["a.db", "sub/b.db"])
        {
            var storage = root.Storage!.Under(name);
            Assert.Equal($"s3://{bucket}/tenants/{name}/", storage.Location);
            var restored = dir.File(name.Replace('/', '-') + ".restored");
            await DatabaseSync.RunAsync(new ArchiveEndpoint(storage), SyncEndpoint.Local(restored));
            TestDatabase.AssertSynced(Path.Combine(databases, name), restored, 4096);
        }
        using var store = SwiftBuckets.Storage(swift, bucket).Open();
        Assert.Contains(store.List("tenants/sub/b.db/snapshots/"), stored => stored.Key.StartsWith("tenants/sub/b.db/snapshots/", StringComparison.Ordinal));
    }

    /// <summary>
    /// Two adds to one archive at once, from two stores that know nothing of each other but the bucket:
    /// both succeed (one waits for the other's lock), the archive verifies, and each snapshot restores
    /// exactly the database it was taken of.
    /// </summary>
    [SkippableFact]
    public async Task TwoWritersAtOnceLeaveAnArchiveWhoseEverySnapshotRestores()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var first = dir.File("first.db");
        TestDatabase.Create(first, rows: 3000);
        var bucket = SwiftBuckets.New(swift);
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "shared"));
        var made = (await DatabaseSync.RunAsync(SyncEndpoint.Local(first), archive)).Snapshot!;
        var second = dir.File("second.db");
        var third = dir.File("third.db");
        TestDatabase.Create(second, rows: 3000, seed: 2);
        TestDatabase.Create(third, rows: 3000, seed: 3);
        TestDatabase.Change(third, Situation.ThirtyPercentChanged);
        var options = new SyncOptions { BusyTimeout = TimeSpan.FromMinutes(2) };

        var added = await Task.WhenAll(
            Task.Run(() => DatabaseSync.RunAsync(SyncEndpoint.Local(second), new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "shared")), options)),
            Task.Run(() => DatabaseSync.RunAsync(SyncEndpoint.Local(third), new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "shared")), options)));

        var origins = new Dictionary<string, string> { [made.Id] = first, [added[0].Snapshot!.Id] = second, [added[1].Snapshot!.Id] = third };
        var listed = await SnapshotArchives.ListAsync(archive);
        Assert.Equal(origins.Keys.Order(), listed.Select(snapshot => snapshot.Id).Order());
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);
        foreach (var (id, origin) in origins)
        {
            var restored = dir.File($"restored-{id}.db");
            await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Storage!) { At = id }, SyncEndpoint.Local(restored));
            TestDatabase.AssertSynced(origin, restored, 4096);
        }
        using var store = (S3ObjectStore)archive.Storage!.Open();
        Assert.Empty(store.ListNames(S3Lock.Prefix, "test"));
    }

    [SkippableFact]
    public async Task OneSnapshotGoesToALocalReplicaAndAnArchiveInABucketAtOnce()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 1000);
        var replica = dir.File("replica.db");
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, SwiftBuckets.New(swift), "fan-out"));

        var outcomes = await DatabaseSync.RunToManyAsync(SyncEndpoint.Local(origin), [SyncEndpoint.Local(replica), archive]);

        Assert.All(outcomes, outcome => Assert.Null(outcome.Failure));
        TestDatabase.AssertSynced(origin, replica, 4096);
        var restored = dir.File("restored.db");
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(restored));
        TestDatabase.AssertSynced(origin, restored, 4096);
    }

    /// <summary>A watch adds snapshots to an archive in a bucket as the origin commits; each restores exactly one committed state.</summary>
    [SkippableFact]
    public async Task AWatchAddsSnapshotsThatEachRestoreACommittedState()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 1000);
        var states = new List<string> { TestDatabase.CheckpointedCopy(origin, dir.File("state-0.db")) };
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, SwiftBuckets.New(swift), "watched"));
        // Until the watch's first cycle makes the archive, there is none to list.
        int Snapshots()
        {
            try
            {
                return SnapshotArchives.ListAsync(archive).GetAwaiter().GetResult().Count;
            }
            catch (SyncException e) when (e.Reason == SyncFailure.NotADatabase)
            {
                return 0;
            }
        }

        using (var watch = new LibraryWatch(origin, [archive], new WatchOptions { SnapshotEvery = TimeSpan.FromSeconds(1) }))
        {
            watch.WaitUntil(() => Snapshots() >= 1, "the first snapshot");
            // An idle database costs nothing between snapshots (issue 30): over a few of its periods, not one request.
            int idleFrom = swift.ClientRequests().Count;
            Thread.Sleep(TimeSpan.FromSeconds(3));
            Assert.Equal(idleFrom, swift.ClientRequests().Count);
            TestDatabase.Change(origin, Situation.OnePercentChanged);
            states.Add(TestDatabase.CheckpointedCopy(origin, dir.File("state-1.db")));
            watch.WaitUntil(() => Snapshots() >= 2, "a snapshot after the change");
            await watch.StopAsync();
        }

        var snapshots = await SnapshotArchives.ListAsync(archive);
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);
        var matched = new List<int>();
        foreach (var snapshot in snapshots)
        {
            var restored = dir.File($"restored-{snapshot.Id}.db");
            await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Storage!) { At = snapshot.Id }, SyncEndpoint.Local(restored));
            TestDatabase.Checkpoint(restored);
            var bytes = File.ReadAllBytes(restored);
            int state = states.FindIndex(path => TestDatabase.PageDifference(File.ReadAllBytes(path), bytes, 4096) is null);
            Assert.True(state >= 0, $"snapshot {snapshot.Id} restores no committed state");
            matched.Add(state);
        }
        // In order, and the change reached the archive.
        Assert.Equal(matched.Order(), matched);
        Assert.Equal(1, matched[^1]);
    }
}
