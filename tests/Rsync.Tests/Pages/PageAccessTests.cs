using SqlRsync.Engine.Pages;
using SqlRsync.Engine.Sqlite;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Pages;

/// <summary>PageSource and PageSink on real database files, checked with files and Debian's sqlite3.</summary>
public class PageAccessTests
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("delete", 4096)]
    [InlineData("wal", 1024)]
    [InlineData("wal", 65536)]
    public void ReadingEveryPageReproducesTheFile(string journalMode, int pageSize)
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.db");
        TestDatabase.Create(path, rows: 3000, journalMode, pageSize);
        TestDatabase.Checkpoint(path);
        var fileBytes = File.ReadAllBytes(path);

        byte[] pages;
        using (var source = PageSource.OpenSnapshot(path, BusyTimeout))
        {
            Assert.Equal(pageSize, source.PageSize);
            Assert.Equal(journalMode == "wal", source.IsWal);
            pages = ScannedPages.All(source);
        }

        Assert.Equal(fileBytes, pages);
    }

    /// <summary>
    /// Through SQLite (a snapshot with WAL frames), a scan of any range gives exactly the pages read
    /// one by one: from page 1, deep in the file (looked up by number rather than stepped to), and
    /// past the end (it stops there).
    /// </summary>
    [Fact]
    public void AScanOfAnyRangeGivesThePagesReadOneByOne()
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.db");
        TestDatabase.Create(path, rows: 3000);
        using var writer = TestDatabase.Connect(path);
        TestDatabase.InsertRows(writer, 500, seed: 2);
        using var source = PageSource.OpenSnapshot(path, BusyTimeout);
        uint count = source.PageCount;
        foreach (var (first, last) in ((uint, uint)[])[(1, count), (1, 3), (count / 2, count / 2 + 2), (5, count), (count - 2, count + 5)])
        {
            var scanned = new List<(uint Page, byte[] Data)>();
            source.ScanPages(first, last, (page, data) => scanned.Add((page, data.ToArray())));
            Assert.Equal([.. Enumerable.Range((int)first, (int)(Math.Min(last, count) - first + 1)).Select(page => (uint)page)],
                scanned.Select(page => page.Page).ToArray());
            Assert.All(scanned, page => Assert.Equal(source.ReadPage(page.Page).ToArray(), page.Data));
        }
    }

    [Fact]
    public void SourceSeesCommittedWalFramesAndNotLaterCommits()
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.db");
        TestDatabase.Create(path, rows: 500);
        using var writer = TestDatabase.Connect(path);
        // Kept in the -wal only: no checkpoint runs while the writer stays open.
        TestDatabase.InsertRows(writer, 2000, seed: 2);

        byte[] snapshot;
        uint pageCount;
        using (var source = PageSource.OpenSnapshot(path, BusyTimeout))
        {
            pageCount = source.PageCount;
            // Commits after the snapshot was pinned must not show up in it.
            TestDatabase.InsertRows(writer, 2000, seed: 3);
            snapshot = ScannedPages.All(source);
        }
        Assert.Equal(pageCount * 4096L, snapshot.Length);

        // Rebuild a database from the snapshot's pages: it must be consistent and hold 2,500 rows.
        var copy = dir.File("copy.db");
        File.WriteAllBytes(copy, snapshot);
        TestDatabase.AssertIntegrityOk(copy);
        Assert.Equal("2500", TestDatabase.Sqlite3Cli(copy, "SELECT count(*) FROM items"));
    }

    [Fact]
    public void ScanPagesVisitsExactlyTheRangeInOrder()
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.db");
        TestDatabase.Create(path, rows: 2000);
        using var source = PageSource.OpenSnapshot(path, BusyTimeout);
        var seen = new List<uint>();
        source.ScanPages(3, 9, (pageNumber, data) =>
        {
            Assert.Equal(source.PageSize, data.Length);
            seen.Add(pageNumber);
        });
        Assert.Equal([3u, 4, 5, 6, 7, 8, 9], seen);
        Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadPage(source.PageCount + 1));
    }

    [Theory]
    [InlineData("delete", "delete")]
    [InlineData("wal", "wal")]
    [InlineData("wal", "delete")]
    public void SinkFedEveryPageMakesTheReplicaPageIdentical(string originMode, string replicaMode)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 4000, originMode, seed: 1);
        TestDatabase.Create(replica, rows: 9000, replicaMode, seed: 2);

        CopyAllPages(origin, replica);

        TestDatabase.Checkpoint(origin);
        TestDatabase.Checkpoint(replica);
        TestDatabase.AssertPageIdentical(origin, replica, 4096);
        TestDatabase.AssertIntegrityOk(replica);
        Assert.Equal("4000", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items"));
    }

    [Fact]
    public void AnEmptyReplicaFileTakesTheOriginsPageSizeAndJournalMode()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("new.db");
        TestDatabase.Create(origin, rows: 1000, "wal", pageSize: 8192);
        File.WriteAllBytes(replica, []);

        CopyAllPages(origin, replica);

        TestDatabase.Checkpoint(origin);
        TestDatabase.AssertPageIdentical(origin, replica, 8192);
        TestDatabase.AssertIntegrityOk(replica);
        Assert.Equal("wal", TestDatabase.Sqlite3Cli(replica, "PRAGMA journal_mode"));
        Assert.Equal("8192", TestDatabase.Sqlite3Cli(replica, "PRAGMA page_size"));
    }

    [Fact]
    public void WalReplicaStaysWalWhenTheOriginUsesARollbackJournal()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000, "delete");
        TestDatabase.Create(replica, rows: 10, "wal");

        CopyAllPages(origin, replica);

        Assert.Equal("wal", TestDatabase.Sqlite3Cli(replica, "PRAGMA journal_mode"));
        TestDatabase.AssertIntegrityOk(replica);
        Assert.Equal("1000", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items"));
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("wal")]
    public void RolledBackSinkLeavesTheReplicaByteForByteUnchanged(string replicaMode)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000, "wal", seed: 1);
        TestDatabase.Create(replica, rows: 1000, replicaMode, seed: 2);
        var before = SnapshotFiles(replica);

        using (var source = PageSource.OpenSnapshot(origin, BusyTimeout))
        using (var sink = PageSink.Open(replica, source.PageSize, BusyTimeout))
        {
            source.ScanPages(1, source.PageCount, (pageNumber, data) => sink.WritePage(pageNumber, data));
            // Disposed without Commit.
        }

        Assert.Equal(before, SnapshotFiles(replica));
    }

    /// <summary>A missing replica is a <see cref="NewReplicaFile"/>'s to make: the sink opens only a file that exists.</summary>
    [Fact]
    public void SinkNeverCreatesAMissingFile()
    {
        using var dir = new TempDirectory();
        var replica = dir.File("new.db");

        Assert.Throws<SqliteCallException>(() => PageSink.Open(replica, 4096, BusyTimeout));

        Assert.False(File.Exists(replica));
    }

    [Fact]
    public void NewReplicaIsNamelessUntilItsCommit()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("new.db");
        TestDatabase.Create(origin, rows: 300, journalMode: "delete");
        var before = Directory.GetFiles(dir.Path);

        using (var source = PageSource.OpenSnapshot(origin, BusyTimeout))
        using (var newFile = NewReplicaFile.Create(replica, source.PageSize, (UnixFileMode)0x1B6))
        {
            source.ScanPages(1, source.PageCount, (pageNumber, data) => newFile.WritePage(pageNumber, data));
            // A process killed here leaves no file behind: the replica has no name yet (O_TMPFILE).
            Assert.Equal(before, Directory.GetFiles(dir.Path));
            newFile.Commit(source.PageCount);
        }

        TestDatabase.AssertPageIdentical(origin, replica, 4096);
        Assert.Equal([.. before.Append(replica).Order()], Directory.GetFiles(dir.Path).Order());
    }

    /// <summary>
    /// Two first syncs into one new replica at once: the one that commits second says another sync
    /// made the replica (it said to free some space), and the first one's replica stands.
    /// </summary>
    [Fact]
    public void TheSecondOfTwoFirstSyncsSaysAnotherMadeTheReplica()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("new.db");
        TestDatabase.Create(origin, rows: 300, journalMode: "delete");

        using var source = PageSource.OpenSnapshot(origin, BusyTimeout);
        using var first = NewReplicaFile.Create(replica, source.PageSize, (UnixFileMode)0x1B6);
        using var second = NewReplicaFile.Create(replica, source.PageSize, (UnixFileMode)0x1B6);
        source.ScanPages(1, source.PageCount, (pageNumber, data) =>
        {
            first.WritePage(pageNumber, data);
            second.WritePage(pageNumber, data);
        });
        first.Commit(source.PageCount);
        var error = Assert.Throws<SyncException>(() => second.Commit(source.PageCount));

        Assert.Equal(SyncFailure.Busy, error.Reason);
        Assert.Equal($"replica {replica} was made by another sync (or program) while this one was building it; this sync wrote nothing (run it " +
            "again to update the replica)", error.Message);
        TestDatabase.AssertPageIdentical(origin, replica, 4096);
    }

    /// <summary>
    /// NewReplicaFile starts the disk writing each run as it goes (sync_file_range) and ignores the
    /// answer, as it is a hint: so check here that the call is bound right, which the kernel shows by
    /// accepting a written range and naming a bad descriptor.
    /// </summary>
    [Fact]
    public void StartWritebackReachesTheKernel()
    {
        using var dir = new TempDirectory();
        var path = dir.File("written.bin");
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        RandomAccess.Write(file, new byte[1 << 20], 0);
        int fd = (int)file.DangerousGetHandle();

        Assert.Equal(0, SqlRsync.Platform.Libc.StartWriteback(fd, 0, 1 << 20));
        Assert.Equal(-1, SqlRsync.Platform.Libc.StartWriteback(-1, 0, 1 << 20));
        Assert.Equal(-1, SqlRsync.Platform.Libc.StartWriteback(fd, -4096, 1 << 20));
    }

    /// <summary>Scattered pages, alone and in runs, read from the file and through sqlite_dbpage (WAL frames).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SelectedPagesVisitsExactlyTheChosenPagesInOrder(bool framesInTheWal)
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.db");
        TestDatabase.Create(path, rows: 3000);
        using var writer = TestDatabase.Connect(path);
        if (framesInTheWal)
        {
            TestDatabase.InsertRows(writer, 100, seed: 2);
        }
        using var source = PageSource.OpenSnapshot(path, BusyTimeout);
        Assert.Equal(!framesInTheWal, source.ReadsFileDirectly);
        uint last = source.PageCount;
        Assert.True(last > 150, $"only {last} pages");
        uint[] chosen = [2, 20, 21, 22, 23, 60, 100, 101, last - 1, last];

        var seen = new List<(uint Page, byte[] Data)>();
        SelectedPages.Read(source, chosen, (pageNumber, data) => seen.Add((pageNumber, data.ToArray())));

        Assert.Equal(chosen, seen.Select(visit => visit.Page));
        Assert.All(seen, visit => Assert.Equal(source.ReadPage(visit.Page).ToArray(), visit.Data));
    }

    [Fact]
    public void TheLockBytePageHoldsFileOffsetTwoToThe30()
    {
        Assert.Equal(16385u, LockBytePage.For(65536));
        Assert.Equal(262145u, LockBytePage.For(4096));
    }

    [Fact]
    public void SinkWaitsForAnotherWriterThenReportsBusy()
    {
        using var dir = new TempDirectory();
        var replica = dir.File("replica.db");
        TestDatabase.Create(replica, rows: 10);
        using var other = TestDatabase.Connect(replica);
        TestDatabase.Execute(other, "BEGIN IMMEDIATE");

        var error = Assert.Throws<SqliteCallException>(() => PageSink.Open(replica, 4096, TimeSpan.FromMilliseconds(200)));
        Assert.True(error.IsBusy, error.Message);
    }

    [Fact]
    public void SourceOfAFileThatIsNotADatabaseFails()
    {
        using var dir = new TempDirectory();
        var path = dir.File("text.db");
        File.WriteAllText(path, new string('x', 5000));
        var error = Assert.Throws<SqliteCallException>(() => PageSource.OpenSnapshot(path, BusyTimeout));
        Assert.True(error.ResultCode == SqliteNative.NotADatabase, error.Message);
        Assert.Equal(new string('x', 5000), File.ReadAllText(path));
    }

    [Fact]
    public void SourceNeverCreatesAMissingFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("missing.db");
        Assert.Throws<SqliteCallException>(() => PageSource.OpenSnapshot(path, BusyTimeout));
        Assert.False(File.Exists(path));
    }

    private static void CopyAllPages(string origin, string replica)
    {
        using var source = PageSource.OpenSnapshot(origin, BusyTimeout);
        using var sink = PageSink.Open(replica, source.PageSize, BusyTimeout);
        uint lockBytePage = LockBytePage.For(source.PageSize);
        source.ScanPages(1, source.PageCount, (pageNumber, data) =>
        {
            if (pageNumber != lockBytePage)
            {
                sink.WritePage(pageNumber, data);
            }
        });
        sink.Commit(source.PageCount);
    }

    private static readonly string[] DatabaseAndJournals = ["", "-wal", "-journal"];

    /// <summary>The bytes of a database file and its -wal/-journal, read when no connection is open.</summary>
    private static Dictionary<string, string> SnapshotFiles(string path) =>
        DatabaseAndJournals
            .Where(suffix => File.Exists(path + suffix))
            .ToDictionary(suffix => suffix, suffix => Convert.ToHexString(File.ReadAllBytes(path + suffix)));
}
