using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// An archive in object storage of one's own, written against the public <see cref="ObjectStorage"/>
/// and <see cref="ObjectStore"/> alone (as sqlrsync's S3 package is): snapshots are added, listed,
/// restored, verified and pruned through it as through a directory, and a directory of databases keeps
/// an archive per database under it.
/// </summary>
public class ObjectStorageTests
{
    [Fact]
    public async Task AnArchiveInAStoreOfOnesOwnWorksAsInADirectory()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 2000);
        var objects = new Dictionary<string, byte[]>();
        var archive = new ArchiveEndpoint(new MemoryStorage(objects, "memory://test/"));

        var first = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var second = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;

        Assert.Contains(objects.Keys, key => key.StartsWith("test/packs/", StringComparison.Ordinal));
        Assert.Equal([first.Id, second.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        var restored = dir.File("restored.db");
        await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Storage!) { At = second.Id }, SyncEndpoint.Local(restored));
        TestDatabase.AssertSynced(origin, restored, 4096);
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);
        var pruned = await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 1 });
        Assert.Equal([second.Id], pruned.Kept.Select(snapshot => snapshot.Id));
        Assert.Equal([second.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
    }

    [Fact]
    public async Task ADirectoryOfDatabasesKeepsAnArchivePerDatabaseUnderIt()
    {
        using var dir = new TempDirectory();
        var databases = dir.File("databases");
        Directory.CreateDirectory(Path.Combine(databases, "sub"));
        TestDatabase.Create(Path.Combine(databases, "a.db"), rows: 200);
        TestDatabase.Create(Path.Combine(databases, "sub", "b.db"), rows: 300);
        var objects = new Dictionary<string, byte[]>();
        var root = new ArchiveEndpoint(new MemoryStorage(objects, "memory://root/"));

        var result = await DatabaseSync.RunDirectoryAsync(SyncEndpoint.Local(databases), root, new DirectoryOptions { Recursive = true });

        Assert.Equal(2, result.Databases.Count(outcome => outcome.Failure is null));
        foreach (var name in (string[])["a.db", "sub/b.db"])
        {
            var restored = dir.File(name.Replace('/', '-') + ".restored");
            await DatabaseSync.RunAsync(new ArchiveEndpoint(root.Storage!.Under(name)), SyncEndpoint.Local(restored));
            TestDatabase.AssertSynced(Path.Combine(databases, name), restored, 4096);
        }
        Assert.Contains(objects.Keys, key => key.StartsWith("root/sub/b.db/snapshots/", StringComparison.Ordinal));
    }

    /// <summary>Objects in a dictionary, under a prefix of keys: a store as outside code writes one.</summary>
    private sealed class MemoryStorage(Dictionary<string, byte[]> objects, string location) : ObjectStorage
    {
        private readonly string _prefix = location["memory://".Length..];

        public override string Location => location;

        public override ObjectStore Open() => new MemoryStore(objects, _prefix, location);

        public override ObjectStorage Under(string name) => new MemoryStorage(objects, location + name + "/");
    }

    private sealed class MemoryStore(Dictionary<string, byte[]> objects, string prefix, string location) : ObjectStore
    {
        private static readonly SemaphoreSlim Exclusive = new(1, 1);

        public override string Location => location;

        public override byte[]? Read(string key)
        {
            lock (objects)
            {
                return objects.TryGetValue(prefix + key, out var data) ? data : null;
            }
        }

        public override byte[] ReadRange(string key, long offset, int length)
        {
            var data = Read(key) ?? throw new IOException($"{key}: no such object");
            return offset + length <= data.Length ? data.AsSpan((int)offset, length).ToArray() : throw new IOException($"{key}: cut short");
        }

        public override bool Create(string key, ReadOnlySpan<byte> data)
        {
            lock (objects)
            {
                return objects.TryAdd(prefix + key, data.ToArray());
            }
        }

        public override IReadOnlyList<StoredObject> List(string listed)
        {
            lock (objects)
            {
                return [.. objects.Where(entry => entry.Key.StartsWith(prefix + listed, StringComparison.Ordinal))
                    .Select(entry => new StoredObject(entry.Key[prefix.Length..], entry.Value.Length)).OrderBy(stored => stored.Key, StringComparer.Ordinal)];
            }
        }

        public override void Delete(string key)
        {
            lock (objects)
            {
                objects.Remove(prefix + key);
            }
        }

        /// <summary>One holder at a time, shared or not: enough for one process's tests.</summary>
        public override IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation) =>
            Exclusive.Wait(wait, cancellation) ? new Held() : throw new TimeoutException();

        private sealed class Held : IDisposable
        {
            private int _released;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    Exclusive.Release();
                }
            }
        }
    }
}
