using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// Snapshot archives through the library: every snapshot added restores exactly as the origin was
/// when it was taken; a restore into a replica sends only the pages that differ; an unchanged
/// snapshot costs a record, no pages; damage is an error naming the snapshot and page, and the replica
/// stays as it was.
/// </summary>
public class ArchiveSyncTests
{
    private static readonly Situation[] Changes =
        [Situation.OnePercentChanged, Situation.OriginGrew, Situation.ThirtyPercentChanged, Situation.OriginShrankAfterVacuum];

    [Theory]
    [InlineData("wal")]
    [InlineData("delete")]
    public async Task EverySnapshotRestoresExactlyAsTheOriginWasWhenItWasTaken(string journalMode)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 3000, journalMode: journalMode);
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var taken = new List<(SnapshotInfo Snapshot, string State)>();
        for (int i = 0; i <= Changes.Length; i++)
        {
            var result = Add(origin, archive);
            Assert.NotNull(result.Snapshot);
            taken.Add((result.Snapshot, TestDatabase.CheckpointedCopy(origin, dir.File($"state-{i}.db"))));
            if (i < Changes.Length)
            {
                TestDatabase.Change(origin, Changes[i]);
            }
        }

        var listed = await SnapshotArchives.ListAsync(archive);
        Assert.Equal(taken.Select(pair => pair.Snapshot.Id), listed.Select(snapshot => snapshot.Id));
        Assert.True(listed.Zip(listed.Skip(1)).All(pair => pair.First.Time <= pair.Second.Time), "oldest first");
        foreach (var (snapshot, state) in taken)
        {
            var restored = dir.File($"restored-{snapshot.Id}.db");
            var result = Restore(archive, snapshot.Id, restored);
            Assert.Equal(snapshot.Id, result.Snapshot!.Id);
            TestDatabase.AssertSynced(state, restored, 4096);
        }
    }

    [Fact]
    public void ARestoreIntoAReplicaOneSnapshotAwaySendsOnlyWhatDiffers()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 3000);
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var first = Add(origin, archive).Snapshot!;
        var firstState = File.ReadAllBytes(Checkpointed(origin));
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var second = Add(origin, archive);
        int differing = DifferingPages(firstState, File.ReadAllBytes(Checkpointed(origin)), 4096);
        var replica = dir.File("replica.db");
        Restore(archive, first.Id, replica);

        var result = Restore(archive, second.Snapshot!.Id, replica);

        Assert.InRange(differing, 1, (int)result.OriginPageCount / 2);
        Assert.Equal((uint)differing, second.PagesSent);
        Assert.Equal((uint)differing, result.PagesSent);
        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.True(Restore(archive, second.Snapshot.Id, replica).Identical);
    }

    [Fact]
    public void AnUnchangedSnapshotAddsARecordAndNoPage()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 3000);
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var first = Add(origin, archive).Snapshot!;
        var packs = Directory.GetFiles(archive.Path, "*", SearchOption.AllDirectories).Length;

        var again = Add(origin, archive);

        Assert.Equal(0u, again.PagesSent);
        Assert.Equal(0, again.Snapshot!.PagesAdded);
        Assert.InRange(again.Snapshot.BytesAdded, 1, 64 * 1024);
        Assert.Equal(packs + 1, Directory.GetFiles(archive.Path, "*", SearchOption.AllDirectories).Length);
        Assert.True(first.PagesAdded > 0 && first.BytesAdded > again.Snapshot.BytesAdded);
    }

    [Fact]
    public void ADamagedPackIsAnErrorNamingTheSnapshotAndPageAndTheReplicaStaysAsItWas()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 3000);
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var first = Add(origin, archive).Snapshot!;
        var replica = dir.File("replica.db");
        Restore(archive, first.Id, replica);
        TestDatabase.Change(origin, Situation.ThirtyPercentChanged);
        var second = Add(origin, archive).Snapshot!;
        var newestPack = new DirectoryInfo(Path.Combine(archive.Path, "packs")).EnumerateFiles("*", SearchOption.AllDirectories)
            .OrderBy(file => file.LastWriteTimeUtc).Last();
        var bytes = File.ReadAllBytes(newestPack.FullName);
        bytes[bytes.Length / 3] ^= 0xFF;
        File.WriteAllBytes(newestPack.FullName, bytes);
        var before = File.ReadAllBytes(replica);

        var failure = Assert.Throws<SyncException>(() => Restore(archive, second.Id, replica));

        Assert.Equal(SyncFailure.Damaged, failure.Reason);
        Assert.Contains($"snapshot {second.Id}", failure.Message, StringComparison.Ordinal);
        Assert.Matches("page [0-9]+", failure.Message);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }

    [Fact]
    public void AnEncryptedArchiveHidesItsPagesAndOpensOnlyWithItsKey()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 300);
        using (var connection = TestDatabase.Connect(origin))
        {
            // Random bytes around it: its overflow page does not compress, so a plain archive stores the marker as it is.
            TestDatabase.Execute(connection,
                "INSERT INTO items(name, body) VALUES ('x', randomblob(6000) || CAST('plain-marker-0123456789' AS BLOB) || randomblob(6000))");
        }
        var key = dir.File("archive.key");
        var otherKey = dir.File("other.key");
        SnapshotArchives.MakeKey(key);
        SnapshotArchives.MakeKey(otherKey);
        var encrypted = new ArchiveEndpoint(dir.File("encrypted")) { KeyFile = key };
        var plain = SyncEndpoint.Archive(dir.File("plain"));
        var snapshot = Add(origin, encrypted).Snapshot!;
        Add(origin, plain);

        Assert.True(Contains(plain.Path, "plain-marker-0123456789"), "the check can see the marker in a plain archive");
        Assert.False(Contains(encrypted.Path, "plain-marker-0123456789"));
        var restored = dir.File("restored.db");
        Restore(encrypted, snapshot.Id, restored);
        TestDatabase.AssertSynced(origin, restored, 4096);

        var noKey = Assert.Throws<SyncException>(() => Restore(SyncEndpoint.Archive(encrypted.Path), null, dir.File("r2.db")));
        Assert.Contains("is encrypted: give its key with --encryption-key", noKey.Message, StringComparison.Ordinal);
        var wrongKey = Assert.Throws<SyncException>(() => Restore(new ArchiveEndpoint(encrypted.Path) { KeyFile = otherKey }, null, dir.File("r3.db")));
        Assert.Contains("encrypted with another key", wrongKey.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("r2.db")) || File.Exists(dir.File("r3.db")));
    }

    private static SyncResult Add(string origin, ArchiveEndpoint archive) =>
        DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive).GetAwaiter().GetResult();

    private static SyncResult Restore(ArchiveEndpoint archive, string? at, string replica) =>
        DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Path) { At = at, KeyFile = archive.KeyFile }, SyncEndpoint.Local(replica))
            .GetAwaiter().GetResult();

    private static bool Contains(string directory, string text)
    {
        var needle = System.Text.Encoding.ASCII.GetBytes(text);
        return Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Any(file => File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0);
    }

    private static string Checkpointed(string database)
    {
        TestDatabase.Checkpoint(database);
        return database;
    }

    /// <summary>How many pages of <paramref name="pageSize"/> bytes differ between two database files.</summary>
    private static int DifferingPages(byte[] before, byte[] after, int pageSize)
    {
        int count = 0;
        for (int offset = 0; offset < Math.Max(before.Length, after.Length); offset += pageSize)
        {
            count += Page(before, offset, pageSize).SequenceEqual(Page(after, offset, pageSize)) ? 0 : 1;
        }
        return count;
    }

    private static ReadOnlySpan<byte> Page(byte[] file, int offset, int pageSize) =>
        offset >= file.Length ? [] : file.AsSpan(offset, Math.Min(pageSize, file.Length - offset));
}
