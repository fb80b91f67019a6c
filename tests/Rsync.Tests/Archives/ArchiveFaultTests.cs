using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// An archive under faults: a full disk, another sqlrsync holding it, several writers at once, a
/// damaged config. Each leaves the archive as it was (or with whole new snapshots) and says so in one line.
/// </summary>
public class ArchiveFaultTests
{
    [SkippableFact]
    public async Task ADiskThatFillsDuringAnAddLeavesTheArchiveByteForByteAsItWas()
    {
        using var disk = new SmallFilesystem(12 * 1024);
        Skip.If(disk.Unavailable is not null, disk.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 500);
        var archive = SyncEndpoint.Archive(disk.File("archive"));
        var first = (await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive)).Snapshot!;
        // 30 MB of random bytes, which do not compress: the first 8 MiB pack fits in 12 MiB, the second does not.
        TestDatabase.CreateRowsOfRandomBytes(origin = dir.File("big.db"), rows: 30_000);
        var before = DirectorySnapshot.Take(archive.Path);

        var line = SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, archive.Path), 1);

        Assert.Matches("(?i)no space left", line);
        Assert.Contains("it holds no new snapshot", line, StringComparison.Ordinal);
        DirectorySnapshot.AssertUnchanged(before, archive.Path);
        Assert.Equal([first.Id], (await SnapshotArchives.ListAsync(archive)).Select(snapshot => snapshot.Id));
        Assert.True((await SnapshotArchives.VerifyAsync(archive)).IsIntact);
    }

    [Fact]
    public async Task AnArchiveInUseMakesTheSecondWriterWaitThenFailWithOneLine()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 500);
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);
        var before = DirectorySnapshot.Take(archive.Path);

        using (var store = DirectoryObjectStore.Open(archive.Path)!)
        using (store.Lock(exclusive: true, TimeSpan.Zero, CancellationToken.None))
        {
            var add = SqlRsyncProgram.Run(origin, archive.Path, "--busy-timeout", "1");
            Assert.Contains("is in use by another sqlrsync", SqlRsyncProgram.AssertErrorLine(add, 1), StringComparison.Ordinal);
            var prune = SqlRsyncProgram.Run("--prune", archive.Path, "--keep-last", "1", "--busy-timeout", "1");
            Assert.Contains("raise --busy-timeout", SqlRsyncProgram.AssertErrorLine(prune, 1), StringComparison.Ordinal);
        }
        using (var store = DirectoryObjectStore.Open(archive.Path)!)
        using (store.Lock(exclusive: false, TimeSpan.Zero, CancellationToken.None))
        {
            // A reader (a restore, a verification) lets others read, but no one write.
            Assert.Equal(0, SqlRsyncProgram.Run("--list", archive.Path).ExitCode);
            Assert.Equal(1, SqlRsyncProgram.Run(origin, archive.Path, "--busy-timeout", "1").ExitCode);
        }
        DirectorySnapshot.AssertUnchanged(before, archive.Path);
    }

    [Fact]
    public async Task WritersAtOnceTakeTurnsAndLeaveEveryKeptSnapshotWhole()
    {
        using var dir = new TempDirectory();
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var origins = Enumerable.Range(0, 3).Select(i => dir.File($"origin-{i}.db")).ToList();
        foreach (var origin in origins)
        {
            TestDatabase.Create(origin, rows: 2000, seed: origins.IndexOf(origin) + 1);
        }
        await DatabaseSync.RunAsync(SyncEndpoint.Local(origins[0]), archive);

        var runs = origins.Select(origin => Task.Run(() => SqlRsyncProgram.Run(origin, archive.Path)))
            .Append(Task.Run(() => SqlRsyncProgram.Run("--prune", archive.Path, "--keep-last", "2")))
            .Append(Task.Run(() => SqlRsyncProgram.Run("--verify", archive.Path)))
            .ToList();
        var results = await Task.WhenAll(runs);

        Assert.All(results, result => Assert.True(result.ExitCode == 0, result.StandardError));
        var snapshots = await SnapshotArchives.ListAsync(archive);
        Assert.InRange(snapshots.Count, 2, 4);
        Assert.True((await SnapshotArchives.VerifyAsync(archive)).IsIntact);
        foreach (var snapshot in snapshots)
        {
            var restored = dir.File($"restored-{snapshot.Id}.db");
            await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Path) { At = snapshot.Id }, SyncEndpoint.Local(restored));
            TestDatabase.AssertIntegrityOk(restored);
        }
        // The newest snapshot is one of the three origins, exactly.
        var newest = dir.File("newest.db");
        await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Path), SyncEndpoint.Local(newest));
        Assert.Contains(origins, origin => TestDatabase.Sqlite3Cli(origin, "SELECT sum(length(body)), count(*) FROM items")
            == TestDatabase.Sqlite3Cli(newest, "SELECT sum(length(body)), count(*) FROM items"));
    }

    [Fact]
    public async Task ADamagedConfigIsOneLineAndNothingIsWritten()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 500);
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive);
        var config = Path.Combine(archive.Path, "config");
        File.WriteAllText(config, File.ReadAllText(config).Replace("compare-seed ", "compare-seed x", StringComparison.Ordinal));
        var before = DirectorySnapshot.Take(dir.Path);

        foreach (var words in new[] { new[] { origin, archive.Path }, ["--list", archive.Path], [archive.Path, dir.File("restored.db")] })
        {
            Assert.Contains("is not an sqlrsync archive (it has no valid config)", SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(words), 1),
                StringComparison.Ordinal);
        }
        DirectorySnapshot.AssertUnchanged(before, dir.Path);
    }
}
