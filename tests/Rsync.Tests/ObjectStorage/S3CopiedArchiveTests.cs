using SqlRsync.S3;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// Issue 30: an archive in a directory copied into a bucket with any tool is a valid archive in object
/// storage, and back (docs/archive.md, "In object storage"). The tool is Debian's rclone; the archive is
/// made by sqlrsync with several snapshots and a prune, so that it has every kind of object (config,
/// dictionary, packs written by adds and by the prune, several indexes, snapshot records). Each copy must
/// verify, list the same snapshots, restore each of them to the same bytes, and take a new snapshot.
/// What belongs to a store's lock and not to the archive (a directory's <c>.lock</c>, a bucket's
/// <c>.locks/</c>) is left out of a copy; copied anyway, it is ignored, except a lock object that was
/// held when it was copied, which keeps prunes of the copy waiting until it is stale.
/// </summary>
public sealed class S3CopiedArchiveTests(SwiftServer swift) : IClassFixture<SwiftServer>
{
    private const int PageSize = 4096;

    [SkippableFact]
    public async Task ADirectoryArchiveCopiedIntoABucketAndBackIsTheSameArchive()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        Skip.If(Rclone.Unavailable is not null, Rclone.Unavailable);
        using var dir = new TempDirectory();
        var (origin, local, states) = await MakeArchive(dir);
        var bucket = SwiftBuckets.New(swift);

        Rclone.Copy(swift, local.Path, Rclone.Remote(bucket, "copied"), "/.lock");

        Assert.Equal(Files(local.Path).Where(key => key != ".lock"), BucketObjects.Keys(swift, bucket, "copied/").Order(StringComparer.Ordinal));
        var inBucket = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "copied"));
        await AssertSameArchive(local, inBucket, states, dir);
        await AddSnapshot(origin, inBucket, states, dir);

        var back = SyncEndpoint.Archive(dir.File("back"));
        Rclone.Copy(swift, Rclone.Remote(bucket, "copied"), back.Path, "/.locks/**");

        Assert.Equal(BucketObjects.Keys(swift, bucket, "copied/").Order(StringComparer.Ordinal), Files(back.Path));
        await AssertSameArchive(inBucket, back, states, dir);
        // The copy has no .lock: the add's lock makes one.
        await AddSnapshot(origin, back, states, dir);
        Assert.Contains(".lock", Files(back.Path));
        Assert.Empty((await SnapshotArchives.VerifyAsync(back)).Problems);
    }

    /// <summary>
    /// Everything copied, locks too. A directory's <c>.lock</c> in a bucket, and a bucket's lock object in a
    /// directory, are not the archive's and change nothing. But a lock object that was held while the bucket was
    /// copied arrives in another bucket as a fresh one: prunes of that copy wait until it is stale (five minutes;
    /// here, shortened), as they would for a holder that was killed. Adds there take no lock, and go ahead.
    /// </summary>
    [SkippableFact]
    public async Task LocksCopiedAlongAreIgnoredUntilAHeldOneReachesAnotherBucket()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        Skip.If(Rclone.Unavailable is not null, Rclone.Unavailable);
        using var dir = new TempDirectory();
        var (origin, local, states) = await MakeArchive(dir);
        var bucket = SwiftBuckets.New(swift);

        Rclone.Copy(swift, local.Path, Rclone.Remote(bucket, "with-lock-file"));
        Assert.Contains(".lock", BucketObjects.Keys(swift, bucket, "with-lock-file/"));
        var inBucket = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "with-lock-file"));
        await AssertSameArchive(local, inBucket, states, dir);
        await AddSnapshot(origin, inBucket, states, dir);
        await SnapshotArchives.PruneAsync(inBucket, new SnapshotRetention { KeepLast = 2 });
        await ForgetPruned(inBucket, states);
        Assert.Empty((await SnapshotArchives.VerifyAsync(inBucket)).Problems);

        // A restore, say, holds the bucket's lock (shared) while rclone copies the archive into a directory.
        var back = SyncEndpoint.Archive(dir.File("back"));
        using (var store = inBucket.Storage!.Open())
        using (store.Lock(exclusive: false, TimeSpan.FromSeconds(30), CancellationToken.None))
        {
            Rclone.Copy(swift, Rclone.Remote(bucket, "with-lock-file"), back.Path);
        }
        var copiedLock = Assert.Single(Files(back.Path), file => file.StartsWith(S3Lock.Prefix, StringComparison.Ordinal));
        await AssertSameArchive(inBucket, back, states, dir);
        await AddSnapshot(origin, back, states, dir);

        // That directory copied on into another bucket: its lock object is new there, so it is live and keeps prunes out.
        Rclone.Copy(swift, back.Path, Rclone.Remote(bucket, "onward"));
        var onward = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "onward"));
        var waited = await Assert.ThrowsAsync<SyncException>(() =>
            SnapshotArchives.PruneAsync(onward, new SnapshotRetention { KeepLast = 2 }, busyTimeout: TimeSpan.FromSeconds(1)));
        Assert.Equal(SyncFailure.Busy, waited.Reason);
        // Readers take the lock shared, and a shared lock object does not keep them out; adds take none.
        await AssertSameArchive(back, onward, states, dir);
        await AddSnapshot(origin, onward, states, dir);

        // Once it is stale, the next prune removes it and goes ahead.
        var shortStale = new S3LockTiming(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200));
        var afterStale = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "onward", lockTiming: shortStale));
        await SnapshotArchives.PruneAsync(afterStale, new SnapshotRetention { KeepLast = 2 }, busyTimeout: TimeSpan.FromMinutes(1));
        await ForgetPruned(afterStale, states);
        Assert.DoesNotContain(copiedLock, BucketObjects.Keys(swift, bucket, "onward/"));
        Assert.Empty((await SnapshotArchives.VerifyAsync(onward)).Problems);
    }

    /// <summary>
    /// An archive in <paramref name="dir"/> of an origin there (rows that compress, so the archive trains a dictionary, and rows
    /// that do not): snapshots as the origin changes, a prune that removes the oldest, and one more. The states are each kept
    /// snapshot's id and a copy of the database it was taken of.
    /// </summary>
    private static async Task<(string Origin, ArchiveEndpoint Archive, Dictionary<string, string> States)> MakeArchive(TempDirectory dir)
    {
        var origin = dir.File("origin.db");
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var states = new Dictionary<string, string>();
        TestDatabase.Create(origin, rows: 1000);
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600) " +
                "INSERT INTO items(name, body) SELECT 'note-' || i, CAST(replace(hex(zeroblob(120)), '00', 'entry ' || i || ' ') AS BLOB) FROM n");
        }
        await AddSnapshot(origin, archive, states, dir);
        foreach (var situation in (Situation[])[Situation.ThirtyPercentChanged, Situation.OnePercentChanged])
        {
            TestDatabase.Change(origin, situation);
            await AddSnapshot(origin, archive, states, dir);
        }
        await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 2 });
        await ForgetPruned(archive, states);
        TestDatabase.Change(origin, Situation.OriginGrew);
        await AddSnapshot(origin, archive, states, dir);
        Assert.Equal(3, states.Count);
        Assert.True(Files(archive.Path).Contains("dictionary"), "the archive trained no dictionary");
        Assert.True(Files(archive.Path).Count(file => file.StartsWith("index/", StringComparison.Ordinal)) > 1, "the archive has one index");
        return (origin, archive, states);
    }

    private static async Task AddSnapshot(string origin, ArchiveEndpoint archive, Dictionary<string, string> states, TempDirectory dir)
    {
        var id = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!.Id;
        states.Add(id, TestDatabase.CheckpointedCopy(origin, dir.File($"state-{id}.db")));
    }

    /// <summary>Leaves in <paramref name="states"/> only the snapshots <paramref name="archive"/> still lists (after a prune).</summary>
    private static async Task ForgetPruned(ArchiveEndpoint archive, Dictionary<string, string> states)
    {
        var kept = (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id).ToHashSet();
        foreach (var id in states.Keys.Where(id => !kept.Contains(id)).ToList())
        {
            states.Remove(id);
        }
    }

    /// <summary>
    /// <paramref name="copy"/> verifies, lists what <paramref name="original"/> lists, and restores each snapshot to the
    /// bytes <paramref name="original"/> restores it to, which hold the pages of the state it was taken of.
    /// </summary>
    private static async Task AssertSameArchive(ArchiveEndpoint original, ArchiveEndpoint copy, Dictionary<string, string> states, TempDirectory dir)
    {
        var verified = await SnapshotArchives.VerifyAsync(copy);
        Assert.True(verified.IsIntact, string.Join("\n", verified.Problems));
        var listed = await SnapshotArchives.ListAsync(original);
        Assert.Equal(listed, await SnapshotArchives.ListAsync(copy));
        Assert.Equal(states.Keys.Order(), listed.Select(snapshot => snapshot.Id).Order());
        foreach (var snapshot in listed)
        {
            var fromOriginal = Restore(original, snapshot.Id, dir);
            var fromCopy = Restore(copy, snapshot.Id, dir);
            TestDatabase.AssertPageIdentical(states[snapshot.Id], fromCopy, PageSize);
            Assert.Equal(File.ReadAllBytes(fromOriginal), File.ReadAllBytes(fromCopy));
        }
    }

    /// <summary>Snapshot <paramref name="id"/> of <paramref name="archive"/> restored into a new database, checkpointed.</summary>
    private static string Restore(ArchiveEndpoint archive, string id, TempDirectory dir)
    {
        var restored = dir.File($"restored-{Guid.NewGuid():N}.db");
        var endpoint = archive.Storage is null ? new ArchiveEndpoint(archive.Path) { At = id } : new ArchiveEndpoint(archive.Storage) { At = id };
        DatabaseSync.RunAsync(endpoint, SyncEndpoint.Local(restored)).GetAwaiter().GetResult();
        TestDatabase.Checkpoint(restored);
        return restored;
    }

    /// <summary>Every file under <paramref name="directory"/>, as a key relative to it, in ordinal order.</summary>
    private static List<string> Files(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(file => Path.GetRelativePath(directory, file))
            .Order(StringComparer.Ordinal)];
}
