using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Pages;

/// <summary>
/// The extra connections that hash with more threads (<see cref="PageSource.ForThreads"/>) read exactly
/// the pinned snapshot, never a later commit; one that cannot is left out.
/// </summary>
public sealed class JoinedReadersTests : IDisposable
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void InWalModeTheyOpenThePinnedSnapshotNotALaterCommit()
    {
        var path = _dir.File("a.db");
        TestDatabase.Create(path, rows: 3000);
        using var writer = TestDatabase.Connect(path);
        // Frames in the WAL, so that the pinned read transaction has a snapshot to share.
        TestDatabase.InsertRows(writer, 100, seed: 2);
        using var source = PageSource.OpenSnapshot(path, BusyTimeout);
        var pinned = ScannedPages.All(source);
        CommitAndCheckItShows(writer, path, pinned);

        using var readers = source.ForThreads(3);

        Assert.Equal(3, readers.Scanners.Count);
        Assert.All(readers.Scanners, scanner => Assert.Equal(pinned, ScannedPages.All(scanner)));
    }

    /// <summary>With an empty WAL there is no snapshot to open: a connection that would read a later commit's frames is left out.</summary>
    [Fact]
    public void InWalModeWithAnEmptyWalALaterCommitKeepsThemOut()
    {
        var path = _dir.File("a.db");
        TestDatabase.Create(path, rows: 3000);
        using var writer = TestDatabase.Connect(path);
        using var source = PageSource.OpenSnapshot(path, BusyTimeout);
        var pinned = ScannedPages.All(source);
        CommitAndCheckItShows(writer, path, pinned);

        using var readers = source.ForThreads(3);

        Assert.Same(source, Assert.Single(readers.Scanners));
        Assert.Equal(pinned, ScannedPages.All(source));
    }

    [Fact]
    public void InRollbackModeOurReadLockKeepsTheStateTheyRead()
    {
        var path = _dir.File("a.db");
        TestDatabase.Create(path, rows: 3000, journalMode: "delete");
        var file = File.ReadAllBytes(path);
        using var source = PageSource.OpenSnapshot(path, BusyTimeout);
        using var writer = new SqliteShell(path);
        // Its commit cannot happen while we read (busy timeout 0: it fails at once).
        writer.Run("BEGIN; UPDATE items SET name = name || '!'; COMMIT;");

        using (var readers = source.ForThreads(3))
        {
            Assert.Equal(3, readers.Scanners.Count);
            Assert.All(readers.Scanners, scanner => Assert.Equal(file, ScannedPages.All(scanner)));
        }
        writer.Run("ROLLBACK;");
        Assert.Contains("locked", writer.Finish().Error);
    }

    /// <summary>A commit after the pin, which a snapshot pinned now does see: so a reader that missed it was not just blind.</summary>
    private static void CommitAndCheckItShows(Microsoft.Data.Sqlite.SqliteConnection writer, string path, byte[] pinned)
    {
        TestDatabase.Execute(writer, "UPDATE items SET body = randomblob(length(body)) WHERE id % 2 = 0");
        using var later = PageSource.OpenSnapshot(path, BusyTimeout);
        Assert.NotEqual(pinned, ScannedPages.All(later));
    }
}
