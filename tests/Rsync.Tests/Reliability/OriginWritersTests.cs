using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Remote;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Reliability;

/// <summary>
/// A rollback-journal origin's writers are blocked by any read transaction on it, so sqlrsync must not
/// hold its snapshot while it waits for something else: the replica's write lock at the start (held
/// by another process), or the replica's readers at the commit. In each test another process holds
/// the replica, sqlrsync is seen waiting (through /proc), and then a writer of the origin with a 2 s
/// busy timeout commits: it must not fail with "database is locked". Locally and over ssh.
/// </summary>
public sealed class OriginWritersTests(SshSyncTests.Server server) : IClassFixture<SshSyncTests.Server>, IDisposable
{
    private const string WriterBusyTimeout = ".timeout 2000";
    private static readonly SyncOptions Settings = new() { BusyTimeout = TimeSpan.FromSeconds(10) };

    private readonly TempDirectory _dir = new();

    public enum Route { Local, SshPush, SshPull }

    public void Dispose() => _dir.Dispose();

    [SkippableTheory]
    [InlineData(Route.Local, "delete")]
    [InlineData(Route.Local, "wal")]
    [InlineData(Route.SshPush, "delete")]
    [InlineData(Route.SshPull, "wal")]
    public void WhileTheSyncWaitsForTheReplicasWriteLockTheOriginsWritersCommit(Route route, string replicaMode)
    {
        var (origin, replica) = CreatePair(route, replicaMode);
        using var holder = new SqliteShell(replica);
        holder.Run("BEGIN IMMEDIATE;");

        using var sync = StartSync(route, origin, replica);
        ProcWatch.WaitUntilOpened(replica, holder.ProcessId);
        Thread.Sleep(500);  // well into its wait for the lock
        var writerErrors = WriteTheOrigin(origin);
        holder.Run("COMMIT;");

        AssertSucceeded(sync);
        Assert.Equal("", writerErrors);
        // The snapshot was pinned after the lock was had, so the replica holds the writer's row.
        TestDatabase.AssertIntegrityOk(replica);
        Assert.Equal("1", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM log"));
        Assert.Equal(TestDatabase.Sqlite3Cli(origin, "SELECT sum(length(name)) FROM items"), TestDatabase.Sqlite3Cli(replica,
            "SELECT sum(length(name)) FROM items"));
    }

    [SkippableTheory]
    [InlineData(Route.Local)]
    [InlineData(Route.SshPush)]
    public void WhileTheReplicasCommitWaitsForItsReadersTheOriginsWritersCommit(Route route)
    {
        var (origin, replica) = CreatePair(route, "delete");
        using var reader = new SqliteShell(replica);
        reader.Run("BEGIN; SELECT count(*) FROM items;");

        using var sync = StartSync(route, origin, replica);
        // A rollback-journal commit takes the PENDING byte, then waits for the readers' SHARED locks to go.
        ProcWatch.WaitUntilWriteLocked(replica, PendingByte, reader.ProcessId);
        var writerErrors = WriteTheOrigin(origin);
        reader.Run("COMMIT;");

        AssertSucceeded(sync);
        Assert.Equal("", writerErrors);
        Assert.Equal("0", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM log"));
    }

    /// <summary>SQLite's PENDING lock byte: the first byte of the lock-byte page.</summary>
    private const long PendingByte = LockBytePage.Offset;

    /// <summary>A rollback-journal origin with an empty log table, and a replica made from it by sqlrsync; then the origin changes.</summary>
    private (string Origin, string Replica) CreatePair(Route route, string replicaMode)
    {
        Skip.If(route != Route.Local && server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000, journalMode: "delete");
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n)");
        TestDatabase.CreateReplica(replica, rows: 10, journalMode: replicaMode, seed: 2);
        Syncs.Local(origin, replica, Settings);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        return (origin, replica);
    }

    private System.Diagnostics.Process StartSync(Route route, string origin, string replica)
    {
        string[] ssh = ["--ssh", server.Ssh.SshCommand, "--exe", server.Ssh.Exe];
        string[] arguments = route switch
        {
            Route.Local => [origin, replica],
            Route.SshPush => [origin, $"{SshServer.Alias}:{replica}", .. ssh],
            _ => [$"{SshServer.Alias}:{origin}", replica, .. ssh],
        };
        return ExternalProgram.Start("dotnet", [SqlRsyncProgram.DllPath, .. arguments, "--busy-timeout", "60"]);
    }

    /// <summary>Another process commits one row to the origin, waiting at most 2 s for its lock; returns what it printed on stderr.</summary>
    private static string WriteTheOrigin(string origin)
    {
        using var writer = new SqliteShell(origin);
        writer.Run(WriterBusyTimeout);
        writer.Run("INSERT INTO log VALUES (1);");
        return writer.Finish().Error.Trim();
    }

    private static void AssertSucceeded(System.Diagnostics.Process sync)
    {
        var error = sync.StandardError.ReadToEndAsync();
        Assert.True(sync.WaitForExit(TimeSpan.FromMinutes(1)), "the sync did not finish");
        Assert.True(sync.ExitCode == 0, error.Result);
    }
}
