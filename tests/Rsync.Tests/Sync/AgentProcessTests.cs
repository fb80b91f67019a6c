using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>The agent commands as real child processes, joined by pipes, and killed mid-sync.</summary>
public class AgentProcessTests
{
    private static readonly SyncOptions Settings = new() { BusyTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task OriginAndReplicaAgentsSyncThroughPipes()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 5000);

        for (int round = 0; round < 2; round++)
        {
            using var originAgent = new AgentProcess("--origin", origin);
            using var replicaAgent = new AgentProcess("--replica", replica);
            var toReplica = StreamRelay.Start(originAgent.Output, replicaAgent.Input);
            var toOrigin = StreamRelay.Start(replicaAgent.Output, originAgent.Input);

            var originExit = originAgent.WaitForExit();
            var replicaExit = replicaAgent.WaitForExit();
            Assert.True(originExit.ExitCode == 0, originExit.StandardError);
            Assert.True(replicaExit.ExitCode == 0, replicaExit.StandardError);
            await Task.WhenAll(toReplica, toOrigin).WaitAsync(TimeSpan.FromSeconds(30));
            TestDatabase.Change(origin, Situation.OnePercentChanged);
        }

        TestDatabase.Change(origin, Situation.OriginGrew);
        // The last change was made after the second sync: sync once more in-process to compare.
        Syncs.Local(origin, replica, Settings);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    public enum KillPoint { AfterHandshake, MidPageStream, JustBeforeCommit }

    [Theory]
    [InlineData(KillPoint.AfterHandshake, "wal")]
    [InlineData(KillPoint.MidPageStream, "wal")]
    [InlineData(KillPoint.JustBeforeCommit, "wal")]
    [InlineData(KillPoint.MidPageStream, "delete")]
    [InlineData(KillPoint.JustBeforeCommit, "delete")]
    public void KillingTheReplicaAgentLeavesTheReplicaAsItWas(KillPoint point, string replicaMode)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 8000, seed: 1);
        TestDatabase.CreateReplica(replica, rows: 4000, journalMode: replicaMode, seed: 2);
        var before = File.ReadAllBytes(replica);
        string contentBefore = TestDatabase.Sqlite3Cli(replica, "SELECT count(*), sum(length(body)) FROM items");

        // How many bytes a whole sync sends to the replica, measured on a copy.
        var copy = dir.File("copy.db");
        TestDatabase.CopyReplica(replica, copy);
        long total = Syncs.Local(origin, copy, Settings).BytesWritten;
        long limit = point switch
        {
            KillPoint.AfterHandshake => 60,
            KillPoint.MidPageStream => total / 2,
            _ => total - 3, // all pages delivered, Done not complete
        };

        using (var agent = new AgentProcess("--replica", replica))
        {
            var input = new KillAfterBytesStream(agent.Input, limit, agent.Kill);
            Assert.ThrowsAny<Exception>(() => Syncs.Origin(origin, agent.Output, input, Settings));
            agent.WaitForExit();
        }

        // Opening it again (sqlite3 rolls back a hot journal) shows the old content, byte for byte.
        Assert.Equal(contentBefore, TestDatabase.Sqlite3Cli(replica, "SELECT count(*), sum(length(body)) FROM items"));
        TestDatabase.AssertIntegrityOk(replica);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }
}
