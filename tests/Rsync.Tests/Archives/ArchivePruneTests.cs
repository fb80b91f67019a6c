using SqlRsync.Engine.Archives;
using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// Pruning and verifying an archive in a real directory: what stays restores exactly, what goes is
/// gone with the storage only it needed, an interruption at any write leaves every kept snapshot
/// whole, and verification finds each kind of damage and names what it harms.
/// </summary>
public class ArchivePruneTests
{
    private static readonly Situation[] Changes =
    [
        Situation.ThirtyPercentChanged, Situation.OnePercentChanged, Situation.OriginGrew, Situation.ThirtyPercentChanged,
        Situation.OriginShrankAfterVacuum,
    ];

    [Fact]
    public async Task WhatAPruneKeepsRestoresExactlyAndWhatItRemovesIsGoneWithItsStorage()
    {
        using var dir = new TempDirectory();
        var (archive, states) = History(dir);
        // What a killed add leaves: a temporary file beside the packs, which is no object.
        var leftover = Path.Combine(Directory.GetDirectories(Path.Combine(archive.Path, "packs"))[0], ".tmp-0123456789abcdef");
        File.WriteAllBytes(leftover, new byte[1000]);
        long bytesBefore = Bytes(archive.Path);

        var result = await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 2 });

        Assert.Equal(states.Keys.TakeLast(2), result.Kept.Select(snapshot => snapshot.Id));
        Assert.Equal(states.Keys.SkipLast(2), result.Removed.Select(snapshot => snapshot.Id));
        Assert.Equal(result.Kept.Select(snapshot => snapshot.Id), (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        Assert.True(result.PacksDeleted > 0, "the packs only removed snapshots needed are deleted");
        Assert.Equal(Bytes(archive.Path, "packs", "index"), result.BytesAfter);
        Assert.True(Bytes(archive.Path) < bytesBefore * 0.8, $"{Bytes(archive.Path)} of {bytesBefore} bytes left");
        Assert.Single(Directory.GetFiles(Path.Combine(archive.Path, "index")));
        Assert.False(File.Exists(leftover));
        Assert.True((await SnapshotArchives.VerifyAsync(archive)).IsIntact);
        foreach (var snapshot in result.Kept)
        {
            AssertRestoresAs(archive, snapshot.Id, states[snapshot.Id], dir);
        }
        foreach (var snapshot in result.Removed)
        {
            var gone = Assert.Throws<SyncException>(() => Restore(archive, snapshot.Id, dir.File($"gone-{snapshot.Id}.db")));
            Assert.Equal(SyncFailure.NotFound, gone.Reason);
        }

        // Adding after a prune still stores only what changed, and the history goes on from the newest.
        TestDatabase.Change(dir.File("origin.db"), Situation.OnePercentChanged);
        var next = (await DatabaseSync.RunAsync(SyncEndpoint.Local(dir.File("origin.db")), archive)).Snapshot!;
        Assert.True(next.PagesAdded < next.PageCount / 4, $"{next.PagesAdded} of {next.PageCount} pages stored again");
        AssertRestoresAs(archive, next.Id, TestDatabase.CheckpointedCopy(dir.File("origin.db"), dir.File("last.db")), dir);
    }

    [Fact]
    public async Task ADryRunSaysWhatWouldGoAndChangesNothing()
    {
        using var dir = new TempDirectory();
        var (archive, states) = History(dir);
        var before = DirectorySnapshot.Take(archive.Path);

        var result = await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 1 }, dryRun: true);

        Assert.True(result.DryRun);
        Assert.Equal(states.Keys.SkipLast(1), result.Removed.Select(snapshot => snapshot.Id));
        Assert.True(result.PacksDeleted > 0 && result.BytesAfter < result.BytesBefore);
        DirectorySnapshot.AssertUnchanged(before, archive.Path);
    }

    /// <summary>
    /// The prune is stopped at its first write, then at its second, and so on, until one runs to the
    /// end: after each stop the archive verifies intact, every snapshot the prune was to keep restores
    /// exactly, and a prune run again afterwards finishes the work.
    /// </summary>
    [Fact]
    public async Task APruneStoppedAtAnyWriteLeavesEveryKeptSnapshotWhole()
    {
        using var dir = new TempDirectory();
        var (archive, states) = History(dir);
        var keep = states.Keys.TakeLast(2).ToList();
        var pristine = DirectorySnapshot.Take(archive.Path);
        for (int allowed = 0; allowed < 200; allowed++)
        {
            Restore(pristine, archive.Path);
            using (var store = new StoreThatStops(DirectoryObjectStore.Open(archive.Path)!, allowed))
            using (var opened = SnapshotArchive.Open(store, key: null))
            {
                try
                {
                    ArchivePruning.Run(opened, new SnapshotRetention { KeepLast = 2 }, dryRun: false);
                    Assert.True(allowed > 3, $"a whole prune took only {allowed} writes");
                    break;
                }
                catch (IOException) when (store.Stopped)
                {
                }
            }

            var verified = await SnapshotArchives.VerifyAsync(archive);
            Assert.True(verified.IsIntact, $"stopped after {allowed} writes: {string.Join("; ", verified.Problems)}");
            foreach (var id in keep)
            {
                AssertRestoresAs(archive, id, states[id], dir);
            }
            var again = await SnapshotArchives.PruneAsync(archive, new SnapshotRetention { KeepLast = 2 });
            Assert.Equal(keep, again.Kept.Select(snapshot => snapshot.Id));
            Assert.True((await SnapshotArchives.VerifyAsync(archive)).IsIntact);
        }
    }

    [Fact]
    public async Task VerifyNamesEachKindOfDamageAndTheSnapshotsItHarms()
    {
        using var dir = new TempDirectory();
        var (archive, states) = History(dir);
        var pristine = DirectorySnapshot.Take(archive.Path);
        Assert.True((await SnapshotArchives.VerifyAsync(archive)).IsIntact);
        var packs = Directory.GetFiles(Path.Combine(archive.Path, "packs"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var damages = new (string What, Action Damage, string[] Expected)[]
        {
            ("a flipped byte in a pack", () => FlipByte(packs[0]), ["is damaged", "cannot be restored: "]),
            ("a missing pack", () => File.Delete(packs[^1]), ["is missing", "cannot be restored: "]),
            ("a pack cut short", () => Truncate(packs[0]), ["packs/", "cannot be restored: "]),
            ("a garbled index", () => FlipByte(Directory.GetFiles(Path.Combine(archive.Path, "index"))[0]), ["index/"]),
            ("a garbled snapshot record", () => FlipByte(Directory.GetFiles(Path.Combine(archive.Path, "snapshots"))[0]), ["snapshots/"]),
        };
        foreach (var (what, damage, expected) in damages)
        {
            Restore(pristine, archive.Path);
            damage();

            var result = await SnapshotArchives.VerifyAsync(archive);

            Assert.False(result.IsIntact, what);
            foreach (var words in expected)
            {
                Assert.True(result.Problems.Any(problem => problem.Contains(words, StringComparison.Ordinal)
                    && problem.StartsWith($"archive {archive.Path}", StringComparison.Ordinal)), $"{what}, '{words}': {string.Join(" | ", result.Problems)}");
            }
            var cli = SqlRsyncProgram.Run("--verify", archive.Path);
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains("is damaged", cli.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
        }
        Restore(pristine, archive.Path);
        Assert.Contains("is intact: 6 snapshots", SqlRsyncProgram.Run("--verify", archive.Path).StandardOutput, StringComparison.Ordinal);
        Assert.Equal(states.Count, (await SnapshotArchives.VerifyAsync(archive)).Snapshots);
        var one = await SnapshotArchives.VerifyAsync(new ArchiveEndpoint(archive.Path) { At = states.Keys.First() });
        Assert.True(one.IsIntact && one.Snapshots == 1, $"{one}");
        Assert.Contains("is intact: 1 snapshot,", SqlRsyncProgram.Run("--verify", archive.Path, "--at", states.Keys.First()).StandardOutput,
            StringComparison.Ordinal);
    }

    [Fact]
    public void ThePruneCommandKeepsWhatItIsToldAndItsMistakesAreUsageErrors()
    {
        using var dir = new TempDirectory();
        var (archive, states) = History(dir);
        var before = DirectorySnapshot.Take(archive.Path);

        foreach (var (words, expected) in new (string[], string)[]
        {
            (["--prune", archive.Path], "--prune needs to know which snapshots to keep"),
            (["--keep-last", "2", "--list", archive.Path], "--keep-last says which snapshots --prune keeps"),
            (["--prune", "--verify", archive.Path, "--keep-last", "1"], "give one of --list, --verify and --prune"),
            (["--prune", archive.Path, "--keep-daily", "0"], "--keep-daily"),
            (["--prune", archive.Path, dir.File("x.db"), "--keep-last", "1"], "--prune takes one path"),
            (["--verify", archive.Path, "--dry-run"], "--dry-run is for a sync, not --verify"),
        })
        {
            Assert.Contains(expected, SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(words), 2), StringComparison.Ordinal);
        }
        var dryRun = SqlRsyncProgram.Run("--prune", archive.Path, "--keep-last", "3", "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.StandardError);
        Assert.Equal(3, dryRun.StandardOutput.Split('\n').Count(line => line.StartsWith("would remove ", StringComparison.Ordinal)));
        DirectorySnapshot.AssertUnchanged(before, archive.Path);

        var pruned = SqlRsyncProgram.Run("--prune", archive.Path, "--keep-last", "3", "--json");
        Assert.True(pruned.ExitCode == 0, pruned.StandardError);
        using var json = System.Text.Json.JsonDocument.Parse(pruned.StandardOutput);
        Assert.Equal("pruned", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(states.Keys.TakeLast(3), json.RootElement.GetProperty("kept").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(3, json.RootElement.GetProperty("removed").GetArrayLength());
    }

    /// <summary>An archive of six snapshots of a changing database, and each snapshot's state (a checkpointed copy of the origin).</summary>
    private static (ArchiveEndpoint Archive, Dictionary<string, string> States) History(TempDirectory dir)
    {
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 3000);
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var states = new Dictionary<string, string>();
        for (int i = 0; i <= Changes.Length; i++)
        {
            var snapshot = DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive).GetAwaiter().GetResult().Snapshot!;
            states[snapshot.Id] = TestDatabase.CheckpointedCopy(origin, dir.File($"state-{i}.db"));
            if (i < Changes.Length)
            {
                TestDatabase.Change(origin, Changes[i]);
            }
        }
        return (archive, states);
    }

    private static void AssertRestoresAs(ArchiveEndpoint archive, string id, string state, TempDirectory dir)
    {
        var restored = dir.File($"restored-{Guid.NewGuid():N}.db");
        Restore(archive, id, restored);
        TestDatabase.AssertSynced(state, restored, 4096);
    }

    private static SyncResult Restore(ArchiveEndpoint archive, string id, string replica) =>
        DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Path) { At = id }, SyncEndpoint.Local(replica)).GetAwaiter().GetResult();

    /// <summary>Puts the archive's directory back exactly as <paramref name="snapshot"/> took it.</summary>
    private static void Restore(DirectorySnapshot snapshot, string directory)
    {
        Directory.Delete(directory, recursive: true);
        foreach (var (relative, bytes) in snapshot.Files)
        {
            var path = Path.Combine(directory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
    }

    private static long Bytes(string directory, params string[] under) =>
        (under.Length == 0 ? [directory] : under.Select(name => Path.Combine(directory, name)))
            .SelectMany(root => Directory.GetFiles(root, "*", SearchOption.AllDirectories)).Sum(file => new FileInfo(file).Length);

    private static void FlipByte(string file)
    {
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(file, bytes);
    }

    private static void Truncate(string file)
    {
        using var stream = new FileStream(file, FileMode.Open);
        stream.SetLength(stream.Length / 2);
    }

    /// <summary>
    /// A directory store whose writes (creations and deletions) fail once <paramref name="allowed"/>
    /// have been made, as if the process died there.
    /// </summary>
    private sealed class StoreThatStops(ObjectStore inner, int allowed) : ObjectStore
    {
        private int _writes;

        public bool Stopped { get; private set; }

        public override string Location => inner.Location;

        public override byte[]? Read(string key) => inner.Read(key);

        public override byte[] ReadRange(string key, long offset, int length) => inner.ReadRange(key, offset, length);

        public override bool Create(string key, ReadOnlySpan<byte> data)
        {
            Count();
            return inner.Create(key, data);
        }

        public override IReadOnlyList<StoredObject> List(string prefix) => inner.List(prefix);

        public override void Delete(string key)
        {
            Count();
            inner.Delete(key);
        }

        public override IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation) => inner.Lock(exclusive, wait, cancellation);

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }

        private void Count()
        {
            if (_writes++ == allowed)
            {
                Stopped = true;
                throw new IOException($"stopped before write {allowed + 1}");
            }
        }
    }
}
