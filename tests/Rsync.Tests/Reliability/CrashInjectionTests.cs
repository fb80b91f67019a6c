using SqlRsync.Tests.Support;
using Xunit.Abstractions;

namespace SqlRsync.Tests.Reliability;

/// <summary>
/// SIGKILL of the replica agent or the origin agent at a random byte of the conversation, into WAL and
/// rollback-journal replicas: afterwards Debian's sqlite3 finds the replica intact and holding exactly
/// the old content or exactly the origin's, and the replica's state record still names what it holds
/// (a dry run, which refuses a replica changed since sqlrsync wrote it, goes through).
/// SQLRSYNC_CRASH_RUNS sets the number of runs (default 200).
/// </summary>
public sealed class CrashInjectionTests(ITestOutputHelper log) : IDisposable
{
    private static readonly string[] JournalModes = ["wal", "delete"];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AKilledAgentLeavesTheOldOrTheNewReplica()
    {
        int runs = int.TryParse(Environment.GetEnvironmentVariable("SQLRSYNC_CRASH_RUNS"), out int n) ? n : 200;
        var random = new Random(20261121);
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 1500, seed: 1);
        string newContent = Content(origin);
        var replica = _dir.File("replica.db");

        var variants = JournalModes.Select(mode =>
        {
            // The old replica is one sqlrsync made (of another database), so it has its state record.
            var earlierOrigin = _dir.File($"earlier-{mode}.db");
            TestDatabase.Create(earlierOrigin, rows: 1200, journalMode: mode, seed: 2);
            var pristine = _dir.File($"old-{mode}.db");
            Syncs.Local(earlierOrigin, pristine, new SyncOptions());
            TestDatabase.Checkpoint(pristine);
            var copy = _dir.File($"measure-{mode}.db");
            TestDatabase.CopyReplica(pristine, copy);
            var transcript = Transcript.Record(origin, copy, new SyncOptions());
            return (Pristine: pristine, OldContent: Content(pristine), transcript.FromOrigin.Length, ReplicaSends: transcript.FromReplica.Length);
        }).ToArray();

        int old = 0, renewed = 0;
        for (int run = 0; run < runs; run++)
        {
            var variant = variants[run % 2];
            bool killReplica = run / 2 % 2 == 0;
            foreach (var leftover in Directory.GetFiles(_dir.Path, "replica.db*"))
            {
                File.Delete(leftover);
            }
            TestDatabase.CopyReplica(variant.Pristine, replica);
            // Anywhere in the conversation, or (half of the runs) within 64 bytes of its end, around
            // the commit; a limit past the end lets the sync complete.
            long length = killReplica ? variant.Length : variant.ReplicaSends;
            long limit = random.Next(2) == 0 ? random.NextInt64(0, length) : length + random.Next(-64, 65);

            using (var originAgent = new AgentProcess("--origin", origin))
            using (var replicaAgent = new AgentProcess("--replica", replica))
            {
                var victim = killReplica ? replicaAgent : originAgent;
                var toReplica = StreamRelay.Start(originAgent.Output, killReplica ? new KillAfterBytesStream(replicaAgent.Input, limit,
                    victim.Kill) : replicaAgent.Input);
                var toOrigin = StreamRelay.Start(replicaAgent.Output, killReplica ? originAgent.Input : new KillAfterBytesStream(originAgent.Input,
                    limit, victim.Kill));
                originAgent.WaitForExit();
                replicaAgent.WaitForExit();
                await Task.WhenAll(toReplica, toOrigin);
            }

            string content = Content(replica);
            Assert.True(content == variant.OldContent || content == newContent,
                $"run {run}: killing the {(killReplica ? "replica" : "origin")} after {limit} bytes left a replica that is neither old nor new");
            var next = Record.Exception(() => Syncs.Local(origin, replica, new SyncOptions { DryRun = true }));
            Assert.True(next is null,
                $"run {run}: after killing the {(killReplica ? "replica" : "origin")} after {limit} bytes, the next sync fails: {next?.Message}");
            if (content == newContent)
            {
                renewed++;
            }
            else
            {
                old++;
            }
        }
        log.WriteLine($"{runs} runs: {old} replicas left as they were, {renewed} holding the origin's content, 0 damaged");
        Assert.True(old > 0 && renewed > 0, $"the kills should leave both outcomes ({old} old, {renewed} new)");
    }

    /// <summary>Debian's sqlite3 opens the file as any reader would (rolling back a hot journal), checks it, and hashes its content.</summary>
    private static string Content(string path)
    {
        var result = ExternalProgram.Run("sqlite3", [path], ".sha3sum\nPRAGMA integrity_check;\n");
        Assert.True(result.ExitCode == 0, result.StandardError);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ok", lines[^1]);
        return lines[0];
    }
}
