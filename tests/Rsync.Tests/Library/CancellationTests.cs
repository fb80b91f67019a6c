using System.Globalization;
using SqlRsync.Engine.Pages;
using SqlRsync.Ssh;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Library;

/// <summary>
/// A sync cancelled before its point of no return (the origin sending Done, the replica starting its
/// commit) ends with OperationCanceledException and leaves the replica exactly as it was (or, if it was
/// new, absent); one cancelled after it finishes and says so. From the library, and from the command
/// line on Ctrl+C (SIGINT, exit 130) and on SIGTERM (exit 143).
/// </summary>
public sealed class CancellationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Cancels the sync the moment this side reaches <paramref name="phase"/>.</summary>
    private sealed class CancelAt(SyncPhase phase, CancellationTokenSource source) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value)
        {
            if (value.Phase == phase)
            {
                source.Cancel();
            }
        }
    }

    [Theory]
    [InlineData(SyncPhase.Hashing, true)]
    [InlineData(SyncPhase.Comparing, true)]
    [InlineData(SyncPhase.Sending, true)]
    [InlineData(SyncPhase.Sending, false)]
    public async Task ACancelledSyncLeavesTheReplicaAsItWas(SyncPhase phase, bool replicaExists)
    {
        var (origin, replica) = CreatePair(replicaExists);
        var before = DirectorySnapshot.Take(_dir.Path);
        using var source = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            DatabaseSync.RunAsync(SyncEndpoint.Local(origin), SyncEndpoint.Local(replica), progress: new CancelAt(phase, source),
                cancellationToken: source.Token));

        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
    }

    [Fact]
    public async Task ASyncCancelledPastItsPointOfNoReturnFinishes()
    {
        var (origin, replica) = CreatePair(replicaExists: true);
        using var source = new CancellationTokenSource();

        var result = await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), SyncEndpoint.Local(replica),
            progress: new CancelAt(SyncPhase.Committing, source), cancellationToken: source.Token);

        Assert.True(source.IsCancellationRequested);
        Assert.True(result.PagesSent > 0);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    /// <summary>
    /// A directory push cancelled while the remote agent commits a database (its rollback-journal
    /// replica waits for a reader to let go) finishes that commit, starts no other database, and ends
    /// cancelled. Before one link served every topology, the directory sync killed its agent on any
    /// cancellation, and the commit under way was rolled back.
    /// </summary>
    [Fact]
    public async Task ADirectorySyncCancelledDuringACommitFinishesItAndStartsNoOther()
    {
        var origins = Directory.CreateDirectory(_dir.File("origins")).FullName;
        var replicas = Directory.CreateDirectory(_dir.File("replicas")).FullName;
        foreach (var name in new[] { "a.db", "b.db" })
        {
            TestDatabase.Create(Path.Join(origins, name), rows: 3000, journalMode: "delete", seed: name[0]);
            Syncs.Local(Path.Join(origins, name), Path.Join(replicas, name));
            TestDatabase.Change(Path.Join(origins, name), Situation.ThirtyPercentChanged);
        }
        var b = File.ReadAllBytes(Path.Join(replicas, "b.db"));
        var agent = new OpenSshEndpoint("host", replicas, new OpenSshOptions
        {
            SshCommand = [LocalSsh.Script(_dir)],
            Agent = new RemoteAgentOptions { RemoteProgram = LocalSsh.Agent(_dir) },
        });
        using var reader = new SqliteShell(Path.Join(replicas, "a.db"));
        reader.Run("BEGIN; SELECT count(*) FROM items;");
        using var source = new CancellationTokenSource();

        var sync = DatabaseSync.RunDirectoryAsync(SyncEndpoint.Local(origins), agent, cancellationToken: source.Token);
        // A rollback-journal commit takes the PENDING byte, then waits for the readers' SHARED locks to go.
        ProcWatch.WaitUntilWriteLocked(Path.Join(replicas, "a.db"), LockBytePage.Offset, reader.ProcessId);
        source.Cancel();
        await Task.Delay(500);
        reader.Run("COMMIT;");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sync);
        TestDatabase.AssertSynced(Path.Join(origins, "a.db"), Path.Join(replicas, "a.db"), 4096);
        Assert.Equal(b, File.ReadAllBytes(Path.Join(replicas, "b.db")));
    }

    private (string Origin, string Replica) CreatePair(bool replicaExists)
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 5000);
        if (replicaExists)
        {
            Syncs.Local(origin, replica);
            TestDatabase.Checkpoint(replica);
            TestDatabase.Change(origin, Situation.ThirtyPercentChanged);
        }
        return (origin, replica);
    }

    /// <summary>
    /// Ctrl+C (SIGINT) and SIGTERM (systemd stopping a unit, timeout(1)) end the command the same way:
    /// one line, the JSON outcome with --json, and the replica as it was; 130 and 143 (SIGTERM ended it
    /// with no word before).
    /// </summary>
    [SkippableTheory]
    [InlineData("INT", false)]
    [InlineData("TERM", false)]
    [InlineData("TERM", true)]
    public void ASignalEndsTheCommandWithOneLineAndTheReplicaAsItWas(string signal, bool json)
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        TestDatabase.Checkpoint(replica);
        TestDatabase.Change(origin, Situation.ThirtyPercentChanged);
        var before = File.ReadAllBytes(replica);
        // Another writer holds the replica until the end, so the sync is surely still running when
        // the signal comes, however late .NET handles it on a loaded machine: the signal ends its wait.
        using var holder = new SqliteShell(replica);
        holder.Run("BEGIN IMMEDIATE;");

        // A test run started in the background of a shell ignores SIGINT, and so would sqlrsync (as
        // every program started by nohup or "&" should): env gives it SIGINT's default back.
        string[] arguments = ["--default-signal=INT", "dotnet", SqlRsyncProgram.DllPath, origin, replica, "--busy-timeout", "60",
            .. json ? new[] { "--json" } : []];
        using var sync = ExternalProgram.Start("env", arguments);
        var error = sync.StandardError.ReadToEndAsync();
        var output = sync.StandardOutput.ReadToEndAsync();
        ProcWatch.WaitUntilOpened(replica, holder.ProcessId);
        var kill = ExternalProgram.Run("kill", [$"-{signal}", sync.Id.ToString(CultureInfo.InvariantCulture)]);
        Skip.If(kill.ExitCode != 0, $"cannot send SIG{signal} here: {kill.StandardError}");

        Assert.True(sync.WaitForExit(TimeSpan.FromSeconds(30)), $"sqlrsync did not end after SIG{signal} while it waited for the replica's lock");
        holder.Run("COMMIT;");
        int expected = signal == "INT" ? 130 : 143;
        Assert.True(sync.ExitCode == expected, $"exit code {sync.ExitCode}, not {expected}; it said: {error.Result}");
        Assert.Equal($"sqlrsync: error: {(signal == "INT" ? "interrupted" : "stopped (SIGTERM)")}; the replica is as it was\n", error.Result);
        if (json)
        {
            using var report = System.Text.Json.JsonDocument.Parse(output.Result);
            Assert.Equal("failed", report.RootElement.GetProperty("outcome").GetString());
            Assert.Equal("stopped (SIGTERM); the replica is as it was", report.RootElement.GetProperty("error").GetString());
        }
        Assert.Equal(before, File.ReadAllBytes(replica));
    }
}
