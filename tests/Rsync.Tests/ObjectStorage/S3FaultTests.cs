using SqlRsync.S3;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// Archives in object storage when the server fails (issue 30, "Faults and safety"), against a real Swift
/// behind a <see cref="FaultProxy"/>: answering 500 and 503, breaking connections, stopped in the middle
/// of an upload, stopped and restarted in the middle of a restore, slow. A snapshot appears whole or not
/// at all; a retry uploads only what is missing; a restore ends with the replica exactly the snapshot or
/// exactly as it was; every failure is one line.
/// </summary>
public sealed class S3FaultTests(SwiftServer swift) : IClassFixture<SwiftServer>
{
    private const string Prefix = "app";

    /// <summary>A lock left by an add that the server's stop cut off goes stale in seconds, not minutes, so the retry waits little.</summary>
    private static readonly S3LockTiming QuickLock = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200));

    /// <summary>
    /// One failure of each kind on the way of an add and of a restore, each once: the client's retries
    /// (the SDK's) get past every one, the add adds its snapshot and the restore is exact.
    /// </summary>
    [SkippableFact]
    public async Task FailuresThatPassAreRetriedAndTheSnapshotRestoresExactly()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        using var proxy = new FaultProxy(swift.Endpoint);
        var origin = Origin(dir, rows: 3000);
        var archive = Through(proxy, SwiftBuckets.New(swift));
        proxy.Inject(Request("PUT", "config"), ProxyFault.Answer(503));
        proxy.Inject(Request("HEAD", "packs/"), ProxyFault.Answer(500));
        proxy.Inject(Request("PUT", "packs/"), ProxyFault.CutRequestBody());
        proxy.Inject(Request("PUT", "index/"), ProxyFault.Answer(503));
        proxy.Inject(Request("PUT", "snapshots/"), ProxyFault.Reset());

        var added = await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);

        proxy.Inject(Listing("snapshots/"), ProxyFault.Answer(503));
        proxy.Inject(Request("GET", "snapshots/"), ProxyFault.Answer(500));
        proxy.Inject(Request("GET", "index/"), ProxyFault.Reset());
        proxy.Inject(Request("GET", "packs/"), ProxyFault.Answer(503));
        var restored = dir.File("restored.db");
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(restored));

        TestDatabase.AssertSynced(origin, restored, 4096);
        Assert.Equal([added.Snapshot!.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        var faulted = proxy.Requests.Where(request => request.Fault is not null).ToList();
        Assert.Equal(9, faulted.Count);
        // Each failed request was sent again, and then it went through.
        Assert.All(faulted, failed => Assert.Contains(proxy.Requests, later => later.Number > failed.Number && later.Method == failed.Method
            && later.Target == failed.Target && later.Status is > 0 and < 500));
    }

    /// <summary>
    /// An upload that fails every time (a pack, an index or the record answered 500 or 503, or broken in the
    /// middle of its body): after the SDK's three retries the add fails with one line, the archive lists no new
    /// snapshot and the older one restores exactly. With the server well again, the add's retry adds the
    /// snapshot, uploading no pack the bucket holds already.
    /// </summary>
    [SkippableTheory]
    [InlineData("packs/", ProxyFaultKind.Answer, 503)]
    [InlineData("packs/", ProxyFaultKind.CutRequestBody, 0)]
    [InlineData("index/", ProxyFaultKind.Answer, 500)]
    [InlineData("snapshots/", ProxyFaultKind.Answer, 500)]
    public async Task AnUploadThatKeepsFailingAddsNoSnapshotAndTheRetryAddsIt(string under, ProxyFaultKind kind, int status)
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        using var proxy = new FaultProxy(swift.Endpoint);
        var origin = Origin(dir, rows: 1000);
        var bucket = SwiftBuckets.New(swift);
        var archive = Through(proxy, bucket);
        var first = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;
        var older = TestDatabase.CheckpointedCopy(origin, dir.File("older.db"));
        Grow(origin, rows: 2000);
        proxy.Inject(Request("PUT", under), new ProxyFault(kind, status), times: 1000);

        var failure = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive));

        AssertOneLine(failure);
        Assert.Equal(SyncFailure.Transport, failure.Reason);
        Assert.Contains($"writing {under}", failure.Message, StringComparison.Ordinal);
        // An error answered is retried three times, no more. A connection broken mid-upload is sent again more often (measured with
        // AWSSDK.S3 4.1.0.1: 11 times with MaxErrorRetry = 0, by a layer below the SDK's retries), and also given up on.
        int tries = proxy.Requests.Count(request => request.Fault is not null);
        if (kind == ProxyFaultKind.Answer)
        {
            Assert.Equal(4, tries);
        }
        else
        {
            Assert.InRange(tries, 4, 14);
        }
        proxy.ClearFaults();
        Assert.Equal([first.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        var replica = dir.File("replica.db");
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(replica));
        TestDatabase.AssertSynced(older, replica, 4096);

        var retried = await RetryAsync(proxy, bucket, () => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive));

        Assert.Equal([first.Id, retried.Snapshot!.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(replica));
        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.Empty((await SnapshotArchives.VerifyAsync(archive)).Problems);
    }

    /// <summary>
    /// The server stops in the middle of an add, and stays stopped while the add cleans up: in the middle of
    /// the second pack's upload, or once it has stored the snapshot's record but before it answers. The add
    /// fails with one line naming the upload, not the clean-up. Restarted, the archive lists the older
    /// snapshot and the new one whole or not at all (not at all after the cut pack, whole after the stored
    /// record), each restoring exactly; what was uploaded stays, and the add's retry (once the lock the stop
    /// left is stale) uploads only the packs that are missing: those that stayed serve the new snapshot.
    /// </summary>
    [SkippableTheory]
    [InlineData("packs/", 2, ProxyFaultKind.CutRequestBody, 1)]
    [InlineData("snapshots/", 1, ProxyFaultKind.DropResponse, 2)]
    public async Task AServerStoppedMidAddLeavesTheSnapshotWholeOrAbsentAndTheRetryUploadsOnlyWhatIsMissing(string under, int nth,
        ProxyFaultKind kind, int snapshotsAfter)
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        using var proxy = new FaultProxy(swift.Endpoint);
        var origin = Origin(dir, rows: 500);
        var bucket = SwiftBuckets.New(swift);
        var archive = Through(proxy, bucket, QuickLock);
        var first = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;
        var older = TestDatabase.CheckpointedCopy(origin, dir.File("older.db"));
        var packsOfFirst = Keys(bucket, "packs/");
        // Random rows do not compress: 9 MB of them fill a pack of 8 MiB and start a second.
        Grow(origin, rows: 9000);
        proxy.Inject(Request("PUT", under), new ProxyFault(kind, ThenStop: true), from: nth);

        var failure = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive));

        AssertOneLine(failure);
        Assert.Equal(SyncFailure.Transport, failure.Reason);
        Assert.Contains("cannot reach", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"writing {under}", failure.Message, StringComparison.Ordinal);
        proxy.Restart();
        var listed = await SnapshotArchives.ListAsync(archive);
        Assert.Equal(first.Id, listed[0].Id);
        Assert.Equal(snapshotsAfter, listed.Count);
        foreach (var (snapshot, state) in listed.Zip((string[])[older, origin]))
        {
            var restored = dir.File($"restored-{snapshot.Id}.db");
            await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Storage!) { At = snapshot.Id }, SyncEndpoint.Local(restored));
            TestDatabase.AssertSynced(state, restored, 4096);
        }
        var kept = Keys(bucket, "packs/").Except(packsOfFirst).ToList();
        Assert.NotEmpty(kept);

        var retried = await RetryAsync(proxy, bucket,
            () => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive, new SyncOptions { BusyTimeout = TimeSpan.FromSeconds(30) }));

        Assert.Equal([.. listed.Select(snapshot => snapshot.Id), retried.Snapshot!.Id],
            (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        var replica = dir.File("replica.db");
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(replica));
        TestDatabase.AssertSynced(origin, replica, 4096);
        var verified = await SnapshotArchives.VerifyAsync(archive);
        Assert.Empty(verified.Problems);
        // Every pack in the bucket is one a snapshot reads: those kept from the failed add were not left as garbage.
        Assert.Equal(Keys(bucket, "packs/").Count, verified.Packs);
    }

    /// <summary>The program, when the server keeps answering 503 to a pack's upload: exit 1, one error line, no stack trace.</summary>
    [SkippableFact]
    public void TheProgramSaysInOneLineThatTheServerKeptFailing()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        using var proxy = new FaultProxy(swift.Endpoint);
        var origin = Origin(dir, rows: 200);
        proxy.Inject(Request("PUT", "packs/"), ProxyFault.Answer(503), times: 1000);

        var result = S3CommandTests.Run([origin, $"s3://{SwiftBuckets.New(swift)}/{Prefix}", "--s3-endpoint", proxy.Endpoint]);

        var line = SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.Contains($"{proxy.Endpoint} kept failing writing packs/", line, StringComparison.Ordinal);
        Assert.Contains("503", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// A restore into an existing replica, with the server stopping in the middle of its Nth read (the answer
    /// broken half way, then connections refused), for every N, or resetting a read and coming back at once:
    /// each run either completes exactly or fails with one line, leaving the replica's file byte for byte as it
    /// was; restarted, a run completes.
    /// </summary>
    [SkippableFact]
    public async Task ARestoreCutOffAtAnyReadLeavesTheReplicaAsItWasOrCompletes()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        using var proxy = new FaultProxy(swift.Endpoint);
        var origin = Origin(dir, rows: 1000);
        var archive = Through(proxy, SwiftBuckets.New(swift));
        await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);
        var before = dir.File("before.db");
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(before));
        TestDatabase.Checkpoint(before);
        TestDatabase.RewriteEveryHundredthRow(origin);
        // 5 MB more: the restore sends more pages than it reads at once (1,024), so pages are written between reads, and a stop
        // can come after some.
        Grow(origin, rows: 5000);
        await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);
        // How many reads a restore into the replica makes, from the first one (the config) to the last pack.
        var clean = dir.File("clean.db");
        TestDatabase.CopyReplica(before, clean);
        int seen = proxy.Requests.Count;
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(clean));
        int reads = proxy.Requests.Skip(seen).Count(request => IsRead(request.Method));
        var faults = Enumerable.Range(1, reads).Select(n => (n, ProxyFault.CutResponseBody(thenStop: true)))
            .Concat([(1, ProxyFault.Reset()), (reads / 2, ProxyFault.Reset()), (reads, ProxyFault.Reset())]);
        var outcomes = new List<string>();
        string? failed = null;

        foreach (var (n, fault) in faults)
        {
            var replica = dir.File($"replica-{n}-{fault.Kind}.db");
            TestDatabase.CopyReplica(before, replica);
            var bytes = File.ReadAllBytes(replica);
            proxy.Inject(head => IsRead(head.Method), fault, from: n);
            try
            {
                await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(replica));
                outcomes.Add($"read {n}, {fault.Kind}: completed");
                TestDatabase.AssertSynced(origin, replica, 4096);
            }
            catch (SyncException failure)
            {
                outcomes.Add($"read {n}, {fault.Kind}: failed");
                AssertOneLine(failure);
                Assert.Equal(SyncFailure.Transport, failure.Reason);
                Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(replica)), $"read {n}, {fault.Kind}: the replica's file changed");
                TestDatabase.AssertPageIdentical(before, replica, 4096);
                failed = replica;
            }
            proxy.ClearFaults();
            proxy.Restart();
        }

        // A stop fails the restore at some reads (a reset, the client's retry gets past).
        Assert.Contains(outcomes, outcome => outcome.EndsWith("failed", StringComparison.Ordinal));
        Assert.All(outcomes.Where(outcome => outcome.Contains("Reset", StringComparison.Ordinal)),
            outcome => Assert.EndsWith("completed", outcome, StringComparison.Ordinal));
        // Every replica a failure left is byte for byte the one before, so one rerun stands for all.
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(failed!));
        TestDatabase.AssertSynced(origin, failed!, 4096);
    }

    /// <summary>
    /// A slow server (2 MiB/s through the proxy, and the record's upload and a pack's read each held once
    /// for longer than the request timeout): the client gives up on the held request and sends it again, and
    /// the add and the restore are exact.
    /// </summary>
    [SkippableFact]
    public async Task ASlowServerStillGetsAnExactSnapshotAndRestore()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        using var proxy = new FaultProxy(swift.Endpoint) { BytesPerSecond = 2 << 20 };
        // Half a MB: at 2 MiB/s no request but the held ones comes near the timeout.
        var origin = Origin(dir, rows: 500);
        var archive = Through(proxy, SwiftBuckets.New(swift), requestTimeout: TimeSpan.FromSeconds(1.5));
        proxy.Inject(Request("PUT", "snapshots/"), ProxyFault.Stall(TimeSpan.FromSeconds(2)));
        proxy.Inject(Request("GET", "packs/"), ProxyFault.Stall(TimeSpan.FromSeconds(2)));

        await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);
        var restored = dir.File("restored.db");
        await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(restored));

        TestDatabase.AssertSynced(origin, restored, 4096);
        var held = proxy.Requests.Where(request => request.Fault is not null).ToList();
        Assert.Equal(2, held.Count);
        Assert.All(held, request => Assert.Contains(proxy.Requests, later => later.Number > request.Number && later.Method == request.Method
            && later.Target == request.Target && later.Status is >= 200 and < 300));
    }

    /// <summary>Runs <paramref name="retry"/>, and checks that none of the packs the bucket held before it was uploaded again.</summary>
    private async Task<SyncResult> RetryAsync(FaultProxy proxy, string bucket, Func<Task<SyncResult>> retry)
    {
        var packsBefore = Keys(bucket, "packs/");
        int seen = proxy.Requests.Count;
        var result = await retry();
        var uploaded = proxy.Requests.Skip(seen).Where(request => request.Method == "PUT" && request.Target.Contains("/packs/", StringComparison.Ordinal))
            .Select(request => request.Target[(request.Target.IndexOf("/packs/", StringComparison.Ordinal) + 1)..]).ToList();
        Assert.Empty(uploaded.Intersect(packsBefore));
        return result;
    }

    /// <summary>The archive under the prefix of <paramref name="bucket"/>, reached through <paramref name="proxy"/>.</summary>
    private ArchiveEndpoint Through(FaultProxy proxy, string bucket, S3LockTiming? lockTiming = null, TimeSpan? requestTimeout = null) =>
        new(SwiftBuckets.Storage(swift, bucket, Prefix, lockTiming: lockTiming, endpoint: proxy.Endpoint, requestTimeout: requestTimeout));

    /// <summary>A WAL database of <paramref name="rows"/> rows of 1,000 random bytes (which do not compress): about as many KB.</summary>
    private static string Origin(TempDirectory dir, int rows)
    {
        var origin = dir.File("origin.db");
        TestDatabase.CreateRowsOfRandomBytes(origin, rows);
        return origin;
    }

    /// <summary>The keys under <paramref name="under"/> of the archive, read from Swift itself, not through the proxy.</summary>
    private List<string> Keys(string bucket, string under)
    {
        using var store = SwiftBuckets.Storage(swift, bucket, Prefix).Open();
        return [.. store.List(under).Select(stored => stored.Key)];
    }

    /// <summary>Requests with <paramref name="method"/> for an archive key starting with <paramref name="under"/>.</summary>
    private static Func<HttpHead, bool> Request(string method, string under) =>
        head => head.Method == method && head.Target.Split('?')[0].Contains($"/{Prefix}/{under}", StringComparison.Ordinal);

    /// <summary>A read of an object or a listing (GET); locks are taken and let go by PUT and DELETE, and HEAD is for writers.</summary>
    private static bool IsRead(string method) => method == "GET";

    /// <summary>Listings of the keys starting with <paramref name="under"/>.</summary>
    private static Func<HttpHead, bool> Listing(string under) =>
        head => head.Method == "GET" && head.Target.Contains("list-type=2", StringComparison.Ordinal)
            && head.Target.Contains($"prefix={Prefix}%2F{under.Replace("/", "%2F", StringComparison.Ordinal)}", StringComparison.Ordinal);

    /// <summary>Adds <paramref name="rows"/> rows of 1,000 random bytes to a database of <see cref="Origin"/>.</summary>
    private static void Grow(string path, int rows) =>
        TestDatabase.Sqlite3Cli(path, $"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {rows}) " +
            "INSERT INTO t(v) SELECT randomblob(1000) FROM c;");

    private static void AssertOneLine(SyncException failure)
    {
        Assert.DoesNotContain('\n', failure.Message);
        Assert.DoesNotContain(SwiftServer.SecretKey, failure.Message, StringComparison.Ordinal);
    }
}
