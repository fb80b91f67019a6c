using Microsoft.Data.Sqlite;
using SqlRsync.Engine;
using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Support;
using SqlRsync.Topologies;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// A watch's cycles with both sides' trees kept from one cycle to the next (what
/// <see cref="WatchSync"/> runs): neither side hashes a page it did not have to, the replica always
/// ends holding the origin's snapshot, and a replica another connection committed to is hashed whole
/// again and refused, as any sync refuses it. The origin's writer is a connection of this process,
/// kept open so that no close checkpoints its WAL.
/// </summary>
public sealed class KeptTreesTests : IDisposable
{
    private static readonly SyncOptions Options = new() { BusyTimeout = TimeSpan.FromSeconds(5) };

    private readonly TempDirectory _dir = new();
    private readonly string _origin;
    private readonly string _replica;
    private readonly SqliteConnection _writer;
    private readonly KeptOriginTree _keptOrigin = new();
    private readonly KeptReplicaTree _keptReplica = new();

    public KeptTreesTests()
    {
        _origin = _dir.File("origin.db");
        _replica = _dir.File("replica.db");
        TestDatabase.Create(_origin, rows: 20000);
        _writer = TestDatabase.Connect(_origin);
        TestDatabase.Execute(_writer, "PRAGMA wal_autocheckpoint = 0");
    }

    public void Dispose()
    {
        _keptReplica.Dispose();
        _writer.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void AfterTheFirstTwoCyclesNeitherSideHashesAPageItDidNotHaveTo()
    {
        TestDatabase.Execute(_writer, "UPDATE items SET body = randomblob(300) WHERE id % 50 = 0");
        var first = Cycle();
        Assert.True(first.OriginHashing.Bytes == 0 && first.ReplicaHashing.Bytes == 0, "a new replica: nothing to compare");
        TestDatabase.Execute(_writer, "UPDATE items SET body = randomblob(300) WHERE id % 70 = 0");
        var second = Cycle();
        Assert.True(second.OriginHashing.Bytes > 0, "the origin's first tree is built from every page");
        Assert.True(second.ReplicaHashing.Bytes > 0, "the replica's first tree is built from every page");
        for (int round = 3; round <= 7; round++)
        {
            TestDatabase.Execute(_writer, $"UPDATE items SET body = randomblob(300) WHERE id % {40 + round} = 0");
            TestDatabase.InsertRows(_writer, 30 * round, seed: round);
            var result = Cycle();
            Assert.True(result.PagesSent > 0, $"round {round}: pages were sent");
            Assert.Equal(0, result.OriginHashing.Bytes);
            Assert.Equal(0, result.ReplicaHashing.Bytes);
        }
        // Fewer pages: the replica is cut, and still needs no scan.
        TestDatabase.Execute(_writer, "DELETE FROM items WHERE id > 1000");
        TestDatabase.Execute(_writer, "VACUUM");
        var shrunk = Cycle();
        Assert.Equal(0, shrunk.ReplicaHashing.Bytes);
    }

    [Fact]
    public void AReplicaAnotherConnectionCommittedToIsHashedWholeAndRefused()
    {
        Cycle();
        TestDatabase.Execute(_writer, "UPDATE items SET body = randomblob(300) WHERE id % 50 = 0");
        Cycle();
        // A change in place: the page count stays, so only the pages' content tells.
        TestDatabase.Sqlite3Cli(_replica, "UPDATE items SET name = 'intruder' WHERE id = 7");
        TestDatabase.Execute(_writer, "UPDATE items SET body = randomblob(300) WHERE id % 60 = 0");

        var outcome = FanOutSync.Run(_origin, [SyncEndpoint.Local(_replica)], Options, new ProgressTracker(), _keptOrigin, _ => _keptReplica)[0];

        Assert.Equal(SyncFailure.Refused, outcome.Failure?.Reason);
        Assert.Contains("was changed by another program", outcome.Failure!.Message, StringComparison.Ordinal);
        Assert.Equal("intruder", TestDatabase.Sqlite3Cli(_replica, "SELECT name FROM items WHERE id = 7"));
    }

    /// <summary>
    /// A page the last cycle wrote, changed back on the origin to what the replica held before: the
    /// replica's kept tree must know the page it wrote, or it would find the two equal and keep it.
    /// </summary>
    [Fact]
    public void APageChangedAndChangedBackIsSentBack()
    {
        TestDatabase.Execute(_writer, "UPDATE items SET body = zeroblob(300) WHERE id = 11");
        Cycle();
        Cycle();
        TestDatabase.Execute(_writer, "UPDATE items SET body = randomblob(300) WHERE id = 11");
        Assert.True(Cycle().PagesSent > 0);
        TestDatabase.Execute(_writer, "UPDATE items SET body = zeroblob(300) WHERE id = 11");
        Assert.True(Cycle().PagesSent > 0, "the page changed back is sent");
    }

    /// <summary>One cycle; the replica then holds exactly the origin's pages.</summary>
    private SyncResult Cycle()
    {
        var outcome = FanOutSync.Run(_origin, [SyncEndpoint.Local(_replica)], Options, new ProgressTracker(), _keptOrigin, _ => _keptReplica)[0];
        Assert.True(outcome.Succeeded, outcome.Failure?.Message);
        using var origin = PageSource.OpenSnapshot(_origin, Options.BusyTimeout);
        using var replica = PageSource.OpenSnapshot(_replica, Options.BusyTimeout);
        Assert.Null(TestDatabase.PageDifference(ScannedPages.All(origin), ScannedPages.All(replica), origin.PageSize));
        return outcome.Result!;
    }
}
