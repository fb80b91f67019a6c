using SqlRsync.Tests.Support;
using Xunit.Abstractions;

namespace SqlRsync.Tests.Reliability;

/// <summary>
/// A SIGKILL at each durable step of the replica's end of a sync — every fsync, fdatasync, rename,
/// link and unlink the sqlrsync process makes, injected by strace — leaves the replica holding the old
/// or the new content, and a state record that names it: the next sync (a dry run here) goes ahead
/// without --force. This is what makes the record written before the commit, not after.
/// </summary>
public sealed class CommitCrashTests(ITestOutputHelper log) : IDisposable
{
    private const int MaxCallsPerSyscall = 16;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableTheory]
    [InlineData("delete")]
    [InlineData("wal")]
    [InlineData("new")]
    public void AKillAtAnyDurableStepLeavesTheOldOrTheNewReplicaAndItsRecord(string replicaMode)
    {
        Skip.IfNot(File.Exists("/usr/bin/strace"), "strace is not installed (.ci/run installs it)");
        var origin = _dir.File("origin.db");
        var pristine = _dir.File("pristine.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1500, seed: 1);
        string newContent = TestDatabase.Sqlite3Cli(origin, ".sha3sum");
        string? oldContent = null;
        if (replicaMode != "new")
        {
            var earlier = _dir.File("earlier.db");
            TestDatabase.Create(earlier, rows: 1200, journalMode: replicaMode, seed: 2);
            Syncs.Local(earlier, pristine, new SyncOptions());
            TestDatabase.Checkpoint(pristine);
            oldContent = TestDatabase.Sqlite3Cli(pristine, ".sha3sum");
        }

        int kills = 0;
        foreach (var syscall in new[] { "fsync", "fdatasync", "rename", "link", "linkat", "unlink" })
        {
            for (int call = 1; call <= MaxCallsPerSyscall; call++)
            {
                foreach (var leftover in Directory.GetFiles(_dir.Path, "*replica.db*"))
                {
                    File.Delete(leftover);
                }
                if (oldContent is not null)
                {
                    File.Copy(pristine, replica);
                    File.Copy(pristine + "-sqlrsync", replica + "-sqlrsync");
                }

                var run = ExternalProgram.Run("/usr/bin/strace",
                    ["-f", "-qq", "-o", "/dev/null", "-e", $"trace={syscall}", "-e", $"inject={syscall}:signal=SIGKILL:when={call}",
                     "dotnet", SqlRsyncProgram.DllPath, origin, replica, "-q"]);
                Skip.If(run.StandardError.Contains("ptrace"), $"strace cannot trace here: {run.StandardError.Trim()}");
                if (run.ExitCode == 0)
                {
                    break;  // the sync made fewer calls than this: every one of them was a kill point
                }
                kills++;

                string what = $"a kill at {syscall} call {call}";
                string? content = File.Exists(replica) ? TestDatabase.Sqlite3Cli(replica, ".sha3sum") : null;
                Assert.True(content == oldContent || content == newContent, $"{what} left a replica that is neither old nor new");
                var next = Record.Exception(() => Syncs.Local(origin, replica, new SyncOptions { DryRun = true }));
                Assert.True(next is null, $"after {what}, the next sync fails: {next?.Message}");
            }
        }
        log.WriteLine($"{replicaMode}: {kills} kills at durable steps");
        Assert.True(kills >= 3, $"only {kills} durable steps were hit");
    }
}
