using Microsoft.Data.Sqlite;
using SqlRsync.Engine;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Pages;

/// <summary>
/// The origin's tree kept between a watch's cycles: after every kind of change (commits, checkpoints
/// of every kind, VACUUM, growth and shrinking) it equals a tree built from every page, and it is
/// built from every page (a rescan) only when the WAL cannot prove which pages changed. The writer is
/// a connection of this process kept open, so that no close checkpoints or deletes the WAL behind the
/// test's back.
/// </summary>
public sealed class KeptOriginTreeTests : IDisposable
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _dir = new();
    private readonly string _path;
    private SqliteConnection _writer;
    private readonly KeptOriginTree _kept = new();

    public KeptOriginTreeTests()
    {
        _path = _dir.File("origin.db");
        TestDatabase.Create(_path, rows: 3000);
        _writer = OpenWriter();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void CommitsWithinOneWalGenerationAreFollowedWithoutARescan()
    {
        Update(rows: 10);
        Assert.True(Cycle(), "the first cycle hashes every page");
        for (int round = 2; round <= 6; round++)
        {
            Update(rows: 20 * round);
            TestDatabase.InsertRows(_writer, 50, seed: round);
            Assert.False(Cycle(), $"round {round}: the frames name every page changed");
        }
        // Deleting rows shrinks nothing in the file (pages go to the free list), and a checkpoint that
        // does not restart the WAL leaves every frame where it was.
        TestDatabase.Execute(_writer, "DELETE FROM items WHERE id % 3 = 0");
        TestDatabase.Execute(_writer, "PRAGMA wal_checkpoint(PASSIVE)");
        Assert.False(Cycle(), "after a delete and a passive checkpoint");
        Assert.False(Cycle(), "with nothing changed");
    }

    [Fact]
    public void AWalTruncatedAfterCommitsTheCycleNeverSawIsRescanned()
    {
        Update(rows: 10);
        Cycle();
        Update(rows: 40);  // never seen by a cycle, then gone from the WAL
        TestDatabase.Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE)");
        Update(rows: 5);
        Assert.True(Cycle(), "the truncated frames cannot be accounted for");
        Update(rows: 5);
        Assert.False(Cycle(), "the new generation is followed again");
    }

    /// <summary>
    /// A restart whose old generation provably ended: a longer, older generation lies past it in the
    /// file, so the frames the cycle never saw are still there to read.
    /// </summary>
    [Fact]
    public void ARestartIsFollowedWhenTheOldGenerationsEndIsInTheFile()
    {
        TestDatabase.InsertRows(_writer, 8000, seed: 9);  // a long first generation (hundreds of frames)
        TestDatabase.Execute(_writer, "PRAGMA wal_checkpoint(RESTART)");
        Update(rows: 20);  // a shorter second one, which restarts the WAL
        Cycle();
        Update(rows: 10);  // seen by no cycle before the next restart
        TestDatabase.Execute(_writer, "PRAGMA wal_checkpoint(RESTART)");
        Update(rows: 1);  // a third one, too short to reach the frames the cycle never saw
        Assert.False(Cycle(), "the unseen frames of the second generation end where the first one's frames begin");
    }

    /// <summary>
    /// When every connection has closed, the last one checkpoints the WAL into the database and deletes
    /// it, and the next cycle finds no frames: the database file alone is the snapshot. While that file
    /// is not written, every later commit is in the new WAL's frames.
    /// </summary>
    [Fact]
    public void AWalStartedAfreshIsFollowedFromItsFirstCommitWhileTheDatabaseIsUnwritten()
    {
        Update(rows: 10);
        Cycle();
        ReopenWriterAfter(() =>
        {
            Thread.Sleep(SettleTime);
            Assert.True(Cycle(), "the closing checkpoint wrote pages that no frame names any more");
        });
        Update(rows: 10);
        Assert.False(Cycle(), "every commit since the cycle that saw no frames is in the new WAL");
        Update(rows: 10);
        Assert.False(Cycle(), "and the new generation is followed on");
    }

    [Fact]
    public void CommitsCheckpointedIntoTheDatabaseAfterACycleThatSawNoFramesAreRescanned()
    {
        Update(rows: 10);
        Cycle();
        ReopenWriterAfter(() =>
        {
            Thread.Sleep(SettleTime);
            Cycle();
        });
        Update(rows: 40);  // seen by no cycle, then moved into the database by the closing checkpoint
        ReopenWriterAfter(() => { });
        Update(rows: 5);
        Assert.True(Cycle(), "the database was written since the cycle that saw no frames");
    }

    /// <summary>
    /// A bounded run of random changes and checkpoints, a cycle after each: the kept tree always equals
    /// the tree of every page (the rescan path), whichever path it took.
    /// </summary>
    [Fact]
    public void RandomChangesAndCheckpointsKeepTheTreeExact()
    {
        var random = new Random(7);
        Update(rows: 10);
        Cycle();
        int followed = 0;
        for (int step = 0; step < 40; step++)
        {
            switch (random.Next(8))
            {
                case 0:
                    TestDatabase.Execute(_writer, "PRAGMA wal_checkpoint(PASSIVE)");
                    break;
                case 1:
                    TestDatabase.Execute(_writer, random.Next(2) == 0 ? "PRAGMA wal_checkpoint(RESTART)" : "PRAGMA wal_checkpoint(TRUNCATE)");
                    break;
                case 2:
                    TestDatabase.Execute(_writer, $"DELETE FROM items WHERE id % {random.Next(2, 9)} = 0");
                    break;
                case 3:
                    TestDatabase.Execute(_writer, "VACUUM");
                    break;
                case 4:
                    TestDatabase.InsertRows(_writer, random.Next(1, 400), seed: step);
                    break;
                default:
                    Update(rows: random.Next(1, 60));
                    break;
            }
            if (random.Next(3) > 0 && !Cycle())
            {
                followed++;
            }
        }
        Assert.True(followed > 0, "some cycles followed the WAL");
    }

    /// <summary>Longer than a file's modification time may lag its writes (<see cref="Platform.FileStamp.IsSettled"/>).</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(100);

    private SqliteConnection OpenWriter()
    {
        var writer = TestDatabase.Connect(_path);
        TestDatabase.Execute(writer, "PRAGMA wal_autocheckpoint = 0");
        return writer;
    }

    /// <summary>Closes the writer, the last connection (which checkpoints and deletes the WAL), runs <paramref name="closed"/>, and opens it again.</summary>
    private void ReopenWriterAfter(Action closed)
    {
        _writer.Dispose();
        Assert.False(File.Exists(_path + "-wal"), "the last connection deleted the WAL");
        closed();
        _writer = OpenWriter();
    }

    private void Update(int rows) =>
        TestDatabase.Execute(_writer, $"UPDATE items SET body = randomblob(300) WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT {rows})");

    /// <summary>One cycle: the kept tree of a fresh snapshot, checked against the tree of every page; whether it was a rescan.</summary>
    private bool Cycle()
    {
        using var source = PageSource.Open(_path, BusyTimeout);
        source.PinSnapshot();
        int rescans = _kept.Rescans;
        var tree = _kept.TreeOf(source, source, source.PageCount, () => Full(source));
        Assert.Equal(Full(source).TopLevel.ToArray(), tree.TopLevel.ToArray());
        return _kept.Rescans > rescans;
    }

    private HashTree Full(PageSource source) =>
        HashTree.Build(HashTreeShape.For(source.PageCount), [source], source.PageSize, seed: _kept.Seed);
}
