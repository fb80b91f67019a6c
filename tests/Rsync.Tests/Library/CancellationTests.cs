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
            DatabaseSync.RunAsync(SyncEndpoint.Local(origin), SyncEndpoint.Local(replica), progress: new CancelAt(phase, source), cancellationToken: source.Token));

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
        Sync.SyncMatrixTests.AssertSynced(origin, replica, 4096);
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
            Sync.SyncMatrixTests.Change(origin, Sync.SyncMatrixTests.Situation.ThirtyPercentChanged);
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
        Sync.SyncMatrixTests.Change(origin, Sync.SyncMatrixTests.Situation.ThirtyPercentChanged);
        var before = File.ReadAllBytes(replica);
        // Another writer holds the replica until the end, so the sync is surely still running when
        // the signal comes, however late .NET handles it on a loaded machine: the signal ends its wait.
        using var holder = new SqliteShell(replica);
        holder.Run("BEGIN IMMEDIATE;");

        // A test run started in the background of a shell ignores SIGINT, and so would sqlrsync (as
        // every program started by nohup or "&" should): env gives it SIGINT's default back.
        string[] arguments = ["--default-signal=INT", "dotnet", SqlRsyncProgram.DllPath, origin, replica, "--busy-timeout", "60", .. json ? new[] { "--json" } : []];
        using var sync = ExternalProgram.Start("env", arguments);
        var error = sync.StandardError.ReadToEndAsync();
        var output = sync.StandardOutput.ReadToEndAsync();
        ProcWatch.WaitUntilOpened(replica, holder.ProcessId);
        var kill = ExternalProgram.Run("kill", [$"-{signal}", sync.Id.ToString()]);
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
