using System.Security.Cryptography;
using SqlRsync.S3;
using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// The object store contract (as <c>DirectoryObjectStore</c> keeps it) held by <see cref="S3ObjectStore"/> against a real
/// Swift with s3api: create only if absent, whole and ranged reads, listings by prefix relative to the
/// archive's prefix and followed across pages, deletes, and the lock made of lock objects.
/// </summary>
public sealed class S3ObjectStoreTests(SwiftServer swift) : IClassFixture<SwiftServer>
{
    private S3ObjectStore Open(string bucket, string prefix, S3LockTiming? timing = null) =>
        (S3ObjectStore)SwiftBuckets.Storage(swift, bucket, prefix, lockTiming: timing).Open();

    [SkippableFact]
    public void CreateOnlyWhenAbsentThenReadWholeAndInRanges()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var store = Open(SwiftBuckets.New(swift), "archive");
        var data = RandomNumberGenerator.GetBytes(100_000);

        Assert.True(store.Create("packs/ab/one", data));
        Assert.False(store.Create("packs/ab/one", [1, 2, 3]));

        Assert.Equal(data, store.Read("packs/ab/one"));
        Assert.Null(store.Read("packs/ab/none"));
        Assert.Equal(data.AsSpan(4096, 8192).ToArray(), store.ReadRange("packs/ab/one", 4096, 8192));
        var into = new byte[1000];
        store.ReadRange("packs/ab/one", data.Length - 1000, into);
        Assert.Equal(data.AsSpan(data.Length - 1000).ToArray(), into);
        Assert.Empty(store.ReadRange("packs/ab/one", data.Length, 0));
        Assert.Throws<IOException>(() => store.ReadRange("packs/ab/one", data.Length - 10, 11));
        Assert.Throws<IOException>(() => store.ReadRange("packs/ab/one", data.Length + 10, 5));
        Assert.Throws<IOException>(() => store.ReadRange("packs/ab/none", 0, 5));
        Assert.Throws<IOException>(() => store.ReadRange("packs/ab/none", 0, 0));
        Assert.Throws<ArgumentException>(() => store.Read("../escape"));
    }

    [SkippableFact]
    public void ListingsAreByPrefixRelativeSortedAndFollowedAcrossPages()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        var bucket = SwiftBuckets.New(swift);
        using var store = Open(bucket, "a/b");
        using var beside = Open(bucket, "a/bb");
        store.ListPageSize = 3;
        string[] keys = ["snapshots/2", "packs/00/x", "config", "snapshots/10", "packs/ff/y", "index/1", "snapshots/1"];
        foreach (var key in keys)
        {
            Assert.True(store.Create(key, new byte[key.Length]));
        }
        Assert.True(beside.Create("snapshots/3", [1]));

        Assert.Equal(keys.Order(StringComparer.Ordinal), store.List("").Select(stored => stored.Key));
        Assert.Equal(["snapshots/1", "snapshots/10", "snapshots/2"], store.List("snapshots/").Select(stored => stored.Key));
        Assert.Equal([new StoredObject("packs/00/x", 10), new StoredObject("packs/ff/y", 10)], store.List("packs/"));
        Assert.Empty(store.List("nothing/"));
        Assert.Equal(["snapshots/3"], beside.List("").Select(stored => stored.Key));
        Assert.Throws<ArgumentException>(() => store.List("snapshots"));
    }

    [SkippableFact]
    public void DeleteRemovesOneObjectAndAMissingOneIsNothing()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var store = Open(SwiftBuckets.New(swift), "");
        store.Create("index/1", [1]);
        store.Create("index/2", [2]);

        store.Delete("index/1");
        store.Delete("index/never");

        Assert.Null(store.Read("index/1"));
        Assert.Equal(["index/2"], store.List("").Select(stored => stored.Key));
    }

    /// <summary>A fixed name is no content address: two makers at once, and exactly one makes it (the lock orders them).</summary>
    [SkippableFact]
    public async Task OfTwoMakersOfTheConfigAtOnceExactlyOneMakesIt()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        var bucket = SwiftBuckets.New(swift);
        using var first = Open(bucket, "racing");
        using var second = Open(bucket, "racing");
        byte[] firstBytes = [1, 1, 1], secondBytes = [2, 2, 2];

        var made = await Task.WhenAll(Task.Run(() => first.Create("config", firstBytes)), Task.Run(() => second.Create("config", secondBytes)));

        Assert.Single(made, true);
        Assert.Equal(made[0] ? firstBytes : secondBytes, first.Read("config"));
        Assert.Equal(["config"], first.List("").Select(stored => stored.Key));
    }

    [SkippableFact]
    public void AnExclusiveLockKeepsOutEveryOtherAndSharedOnesShare()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        var bucket = SwiftBuckets.New(swift);
        using var one = Open(bucket, "locked");
        using var other = Open(bucket, "locked");
        var briefly = TimeSpan.FromMilliseconds(500);

        using (one.Lock(exclusive: true, briefly, CancellationToken.None))
        {
            Assert.Throws<TimeoutException>(() => other.Lock(exclusive: true, briefly, CancellationToken.None));
            Assert.Throws<TimeoutException>(() => other.Lock(exclusive: false, briefly, CancellationToken.None));
        }
        using (one.Lock(exclusive: false, briefly, CancellationToken.None))
        using (other.Lock(exclusive: false, briefly, CancellationToken.None))
        {
            using var third = Open(bucket, "locked");
            Assert.Throws<TimeoutException>(() => third.Lock(exclusive: true, briefly, CancellationToken.None));
        }
        using (other.Lock(exclusive: true, briefly, CancellationToken.None))
        {
            // Lock objects are the store's own: no listing of the archive shows them.
            Assert.Empty(other.List(""));
        }
        Assert.Empty(one.ListNames(S3Lock.Prefix, "test"));
    }

    [SkippableFact]
    public void ALockKeptAliveHoldsAndOneNoLongerRefreshedGoesStale()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        var bucket = SwiftBuckets.New(swift);
        var refreshed = new S3LockTiming(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200));
        var neverRefreshed = refreshed with { Refresh = TimeSpan.FromHours(1) };

        using var holder = Open(bucket, "stale", refreshed);
        using var taker = Open(bucket, "stale", refreshed);
        using (holder.Lock(exclusive: true, TimeSpan.Zero, CancellationToken.None))
        {
            // Twice the stale age: the holder's refreshes keep its lock live all along.
            Assert.Throws<TimeoutException>(() => taker.Lock(exclusive: true, TimeSpan.FromSeconds(4), CancellationToken.None));
        }

        // A holder that died: its lock object is never written again, never deleted.
        using var dead = Open(bucket, "stale", neverRefreshed);
        var abandoned = dead.Lock(exclusive: true, TimeSpan.Zero, CancellationToken.None);
        var deadLock = Assert.Single(dead.ListNames(S3Lock.Prefix, "test")).Name;
        using (taker.Lock(exclusive: true, TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            Assert.DoesNotContain(deadLock, taker.ListNames(S3Lock.Prefix, "test").Select(entry => entry.Name));
        }
        abandoned.Dispose();
    }
}
