using System.Globalization;
using System.Text.Json;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Remote;

/// <summary>Push and pull through the real OpenSSH client and a real sshd on 127.0.0.1.</summary>
public sealed class SshSyncTests(SshSyncTests.Server server) : IClassFixture<SshSyncTests.Server>
{
    public sealed class Server : IDisposable
    {
        public SshServer Ssh { get; } = new();

        public void Dispose() => Ssh.Dispose();
    }

    private SshServer Ssh => server.Ssh;

    private ExternalProgram.Result Sqlrsync(params string[] arguments) =>
        SqlRsyncProgram.Run([.. arguments, "--ssh", Ssh.SshCommand, "--exe", Ssh.Exe]);

    [SkippableFact]
    public void PushToANewReplicaThenAnUpdateThenPull()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("remote replica.db");
        TestDatabase.Create(origin, rows: 4000);

        var push = Sqlrsync(origin, $"{SshServer.Alias}:{replica}", "-v");
        Assert.True(push.ExitCode == 0, push.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);

        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var update = Sqlrsync(origin, $"{SshServer.Alias}:{replica}", "-v");
        Assert.True(update.ExitCode == 0, update.StandardError);
        Assert.Matches(@"changed [\d,]+ of [\d,]+ pages \([\d,]+ bytes, [\d,]+ on the wire\)", update.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);

        var pulled = dir.File("pulled.db");
        var pull = Sqlrsync($"{SshServer.Alias}:{replica}", pulled);
        Assert.True(pull.ExitCode == 0, pull.StandardError);
        TestDatabase.AssertSynced(replica, pulled, 4096);
    }

    /// <summary>
    /// A scheduled run (cron, a timer) pays one login for many when OpenSSH shares its connection, as
    /// docs/operations.md shows: ControlMaster and ControlPersist in the user's ssh config, which
    /// sqlrsync's ssh reads as any ssh does. The second run logs in no more.
    /// </summary>
    [SkippableFact]
    public void ASecondRunReusesTheConnectionTheFirstLeftWhenTheSshConfigSharesIt()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        var config = dir.File("ssh_config");
        File.WriteAllText(config, $"Host {SshServer.Alias}\n  ControlMaster auto\n  ControlPath {dir.File("cm-%C")}\n  ControlPersist 60\n" +
            $"Include {Ssh.ClientConfig}\n");
        string ssh = $"ssh -F {config}";
        int loginsBefore = Ssh.Logins;
        try
        {
            var first = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{replica}", "--ssh", ssh, "--exe", Ssh.Exe);
            Assert.True(first.ExitCode == 0, first.StandardError);
            TestDatabase.Change(origin, Situation.OnePercentChanged);
            var second = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{replica}", "--ssh", ssh, "--exe", Ssh.Exe);
            Assert.True(second.ExitCode == 0, second.StandardError);

            TestDatabase.AssertSynced(origin, replica, 4096);
            Assert.Equal(1, Ssh.Logins - loginsBefore);
        }
        finally
        {
            ExternalProgram.Run("ssh", ["-F", config, "-O", "exit", SshServer.Alias]);
        }
    }

    /// <summary>
    /// --watch keeps a replica on another host fresh through the real sshd: each commit of the origin
    /// makes a cycle, all cycles go through one ssh connection (one login) to one agent, which keeps the
    /// replica's tree (a cycle hashes only the pages it wrote), and SIGTERM ends the watch with exit 0,
    /// the agent gone and the replica equal to the origin.
    /// </summary>
    [SkippableFact]
    public void AWatchKeepsARemoteReplicaFresh()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("remote replica.db");
        TestDatabase.Create(origin, rows: 2000);
        int loginsBefore = Ssh.Logins;
        using var watch = ExternalProgram.Start("dotnet", [SqlRsyncProgram.DllPath, "--watch", origin, $"{SshServer.Alias}:{replica}", "--json",
            "--interval", "10ms", "--ssh", Ssh.SshCommand, "--exe", Ssh.Exe]);
        var error = watch.StandardError.ReadToEndAsync();
        int cycles = 0;
        bool IsAgent(int pid) => ProcWatch.CommandName(pid) == "dotnet" && ProcWatch.CommandLine(pid).Contains("--cycles", StringComparison.Ordinal)
            && ProcWatch.CommandLine(pid).Contains(replica, StringComparison.Ordinal);
        try
        {
            Assert.Equal(1, NextCycle(watch, error).GetProperty("replicas_synced").GetInt32());
            cycles++;
            int agent = Assert.Single(ProcWatch.ProcessesWhere(IsAgent));
            for (int round = 1; round <= 3; round++)
            {
                TestDatabase.Sqlite3Cli(origin, $"UPDATE items SET name = 'round {round}', body = randomblob(300) WHERE id % 50 = {round}", waitForLocks: true);
                // A checkpoint of the origin is a change too (its cycle sends nothing): the cycle that carries the update sends pages.
                JsonElement cycle;
                do
                {
                    cycle = NextCycle(watch, error);
                    cycles++;
                    Assert.Equal(1, cycle.GetProperty("replicas_synced").GetInt32());
                }
                while (cycle.GetProperty("pages_changed").GetInt64() == 0);
                Assert.Equal("40", TestDatabase.Sqlite3Cli(replica, $"SELECT count(*) FROM items WHERE name = 'round {round}'"));
                // Hashed again: the pages the last sync wrote (in round 1 the first sync's, every page).
                long hashed = cycle.GetProperty("replicas")[0].GetProperty("replica_hashed_bytes").GetInt64();
                Assert.True(round == 1 || hashed < new FileInfo(replica).Length / 2, $"round {round}: the replica hashed {hashed} bytes");
            }
            // The cycles share one ssh connection (one login for all of them) and one agent.
            Assert.Equal(1, Ssh.Logins - loginsBefore);
            Assert.Equal([agent], ProcWatch.ProcessesWhere(IsAgent));
            Assert.True(cycles >= 4, $"{cycles} cycles");
            Assert.Equal(0, ExternalProgram.Run("kill", ["-TERM", watch.Id.ToString(CultureInfo.InvariantCulture)]).ExitCode);
            Assert.True(watch.WaitForExit(TimeSpan.FromSeconds(30)), "the watch did not end after SIGTERM");
            Assert.True(watch.ExitCode == 0, $"exit code {watch.ExitCode}; it said: {error.Result}");
            WaitFor(() => ProcWatch.ProcessesWhere(IsAgent).Count == 0, "the agent's exit", () => error.Result);
            TestDatabase.AssertSynced(origin, replica, 4096);
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill();
            }
        }
    }

    /// <summary>
    /// The ssh client and the remote agent, each killed (SIGKILL) while a cycle that sends a thousand
    /// pages runs, twice in turn (a change whose cycle ended before its victim was seen makes another):
    /// each failure is said and the watch tries again; every state the replica shows in between passes
    /// integrity_check; once the writes stop the replica equals the origin, and SIGTERM ends the watch
    /// with exit 0.
    /// </summary>
    [SkippableFact]
    public void AWatchRecoversWhenItsSshClientOrRemoteAgentIsKilledMidCycle()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("remote replica.db");
        TestDatabase.Create(origin, rows: 20000);
        using var watch = ExternalProgram.Start("dotnet", [SqlRsyncProgram.DllPath, "--watch", origin, $"{SshServer.Alias}:{replica}", "--json",
            "--interval", "10ms", "--ssh", Ssh.SshCommand, "--exe", Ssh.Exe]);
        var cycles = new List<JsonElement>();
        var reading = Task.Run(() =>
        {
            for (string? line; (line = watch.StandardOutput.ReadLine()) is not null;)
            {
                using var cycle = JsonDocument.Parse(line);
                lock (cycles)
                {
                    cycles.Add(cycle.RootElement.Clone());
                }
            }
        });
        var said = new System.Text.StringBuilder();
        var error = Task.Run(() =>
        {
            for (string? line; (line = watch.StandardError.ReadLine()) is not null;)
            {
                lock (said)
                {
                    said.AppendLine(line);
                }
            }
            lock (said)
            {
                return said.ToString();
            }
        });
        string SaidSoFar()
        {
            lock (said)
            {
                return said.ToString();
            }
        }
        int CyclesSeen()
        {
            lock (cycles)
            {
                return cycles.Count;
            }
        }
        JsonElement LastCycle()
        {
            lock (cycles)
            {
                return cycles[^1];
            }
        }
        int kills = 0;
        try
        {
            WaitFor(() => CyclesSeen() >= 1, "the first cycle", SaidSoFar);
            for (int change = 1; kills < 4 && change <= 20; change++)
            {
                int before = CyclesSeen();
                TestDatabase.Sqlite3Cli(origin, $"UPDATE items SET body = randomblob(400) WHERE id % 4 = {change % 4}", waitForLocks: true);
                bool agent = kills % 2 == 1;
                Func<int, bool> victim = agent
                    ? pid => ProcWatch.CommandLine(pid).Contains("--replica", StringComparison.Ordinal)
                        && ProcWatch.CommandLine(pid).Contains(replica, StringComparison.Ordinal)
                    : pid => ProcWatch.ParentOf(pid) == watch.Id && ProcWatch.CommandName(pid) == "ssh";
                // While the cycle this change makes runs (a cycle that ends first is a miss: the next change tries again).
                WaitFor(() =>
                {
                    var found = ProcWatch.ProcessesWhere(victim);
                    foreach (int pid in found)
                    {
                        ExternalProgram.Run("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)]);
                    }
                    kills += found.Count > 0 ? 1 : 0;
                    return found.Count > 0 || CyclesSeen() > before;
                }, $"the cycle of change {change}", SaidSoFar);
                // Until a cycle after the change succeeded: the failed one's replica is tried again.
                WaitFor(() => CyclesSeen() > before && LastCycle().GetProperty("replicas_synced").GetInt32() == 1,
                    $"recovery after change {change}", SaidSoFar);
                if (File.Exists(replica))
                {
                    Assert.Equal("ok", TestDatabase.Sqlite3Cli(replica, "PRAGMA integrity_check", waitForLocks: true));
                }
            }
            TestDatabase.Sqlite3Cli(origin, "UPDATE items SET name = 'last' WHERE id = 1", waitForLocks: true);
            WaitFor(() => File.Exists(replica) && TestDatabase.Sqlite3Cli(replica, "SELECT name FROM items WHERE id = 1", waitForLocks: true) == "last",
                "the replica catches up", SaidSoFar);
            Assert.Equal(0, ExternalProgram.Run("kill", ["-TERM", watch.Id.ToString(CultureInfo.InvariantCulture)]).ExitCode);
            Assert.True(watch.WaitForExit(TimeSpan.FromSeconds(30)), "the watch did not end after SIGTERM");
            reading.Wait(TimeSpan.FromSeconds(30));
            Assert.True(watch.ExitCode == 0, $"exit code {watch.ExitCode}; it said: {error.Result}");
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill();
            }
        }
        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.Equal(4, kills);
        int failed = cycles.Count(cycle => cycle.GetProperty("replicas_failed").GetInt32() > 0);
        Assert.True(failed >= 2, $"{failed} cycles failed of {cycles.Count}: the kills did not land mid-cycle; it said: {error.Result}");
        Assert.Contains("synced again", error.Result);
    }

    /// <summary>Waits (at most 60 s) until <paramref name="condition"/> holds, failing with what the watch said.</summary>
    private static void WaitFor(Func<bool> condition, string what, Func<string> said)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{what}: not within 60 s; it said: {said()}");
            Thread.Sleep(5);
        }
    }


    /// <summary>The next line a --watch --json prints (bounded wait): a cycle's JSON object.</summary>
    private static JsonElement NextCycle(System.Diagnostics.Process watch, Task<string> error)
    {
        var line = watch.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromSeconds(60)), "no cycle within 60 s");
        if (line.Result is null)
        {
            Assert.Fail($"the watch ended; it said: {error.Result}");
        }
        using var cycle = JsonDocument.Parse(line.Result);
        return cycle.RootElement.Clone();
    }

    /// <summary>
    /// Across ssh deltas are on by default: rows rewritten in place cost their own bytes on the wire,
    /// pushed or pulled; `--delta off` sends whole pages.
    /// </summary>
    [SkippableFact]
    public void AcrossSshOnlyTheChangedBlocksTravelUnlessDeltasAreOff()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.CreateRowsOfRandomBytes(origin, rows: 4000);
        Assert.Equal(0, Sqlrsync(origin, $"{SshServer.Alias}:{replica}").ExitCode);

        var cases = new[]
        {
            (Arguments: new[] { origin, $"{SshServer.Alias}:{replica}" }, MinBytesPerPage: 1000, MaxBytesPerPage: 1000 + 2 * 128),
            ([$"{SshServer.Alias}:{origin}", replica], 1000, 1000 + 2 * 128),
            ([origin, $"{SshServer.Alias}:{replica}", "--delta", "off"], 4096, 4096),
        };
        foreach (var (arguments, minBytesPerPage, maxBytesPerPage) in cases)
        {
            TestDatabase.RewriteEveryHundredthRow(origin);
            var sync = Sqlrsync([.. arguments, "--json", "--compress", "off"]);
            Assert.True(sync.ExitCode == 0, sync.StandardError);
            TestDatabase.AssertSynced(origin, replica, 4096);
            Assert.Contains("\"pages_changed\":40,", sync.StandardOutput);
            long onWire = long.Parse(System.Text.RegularExpressions.Regex.Match(sync.StandardOutput,
                "\"page_bytes_on_wire\":(\\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(onWire, 40 * minBytesPerPage, 40 * maxBytesPerPage);
        }
    }

    [SkippableFact]
    public void DryRunAndCheckAcrossSshWriteNothingOnEitherSide()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        Assert.Equal(0, Sqlrsync(origin, $"{SshServer.Alias}:{replica}").ExitCode);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var before = DirectorySnapshot.Take(dir.Path);

        var push = Sqlrsync(origin, $"{SshServer.Alias}:{replica}", "--dry-run", "--json");
        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.Contains("\"outcome\":\"dry_run\"", push.StandardOutput);
        Assert.Matches("\"pages_changed\":[1-9]", push.StandardOutput);
        var pull = Sqlrsync($"{SshServer.Alias}:{origin}", replica, "--check");
        Assert.True(pull.ExitCode == 3, pull.StandardError);
        DirectorySnapshot.AssertUnchanged(before, dir.Path);

        Assert.Equal(0, Sqlrsync($"{SshServer.Alias}:{origin}", replica).ExitCode);
        Assert.Equal(0, Sqlrsync(origin, $"{SshServer.Alias}:{replica}", "--check").ExitCode);
    }

    [SkippableTheory]
    [InlineData("with space.db")]
    [InlineData("it's.db")]
    [InlineData("say \"hi\".db")]
    [InlineData("$(touch MARKER).db")]
    [InlineData("a;touch MARKER;b.db")]
    [InlineData("`touch MARKER`.db")]
    [InlineData("ünïcødé-データ.db")]
    public void RemotePathsAreUsedLiterally(string name)
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 200);
        var replica = Path.Combine(dir.Path, name);

        var push = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{replica}", "--ssh", Ssh.SshCommand, "--exe", Ssh.Exe);

        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.True(File.Exists(replica), $"nothing at {replica}");
        Assert.False(File.Exists(dir.File("MARKER")) || File.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            "MARKER")), "a command in the path ran");
        Assert.Equal("200", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items"));
    }

    [SkippableFact]
    public void AnSshPlantedInTheWorkingDirectoryNeverRuns()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 300);
        // What a cron job started in a writable directory may find there.
        WrapperScript(dir, "ssh", $"touch '{dir.File("MARKER")}'\nexit 0");

        var push = SqlRsyncProgram.RunIn(dir.Path, origin, $"{SshServer.Alias}:{replica}", "--ssh", Ssh.SshCommand, "--exe", Ssh.Exe);
        Assert.True(push.ExitCode == 0, push.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);

        // The default --ssh: the real ssh runs (and finds no server on port 22 here, or no key).
        var bare = SqlRsyncProgram.RunIn(dir.Path, origin, $"127.0.0.1:{replica}", "-p", "1", "--timeout", "10");
        Assert.Equal(1, bare.ExitCode);
        Assert.Contains("ssh to 127.0.0.1 failed", bare.StandardError);

        Assert.False(File.Exists(dir.File("MARKER")), "the ssh planted in the working directory ran");
    }

    [SkippableFact]
    public void MissingRemoteProgramIsExplained()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);

        var result = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{dir.File("r.db")}", "--ssh", Ssh.SshCommand, "--exe", "/no/such/sqlrsync");

        var line = SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.Contains($"--exe /no/such/sqlrsync: no such program on {SshServer.Alias}", line);
        Assert.Contains("give the path of sqlrsync (or sqlite3_rsync) there", line);
        Assert.False(File.Exists(dir.File("r.db")));
    }

    [SkippableFact]
    public void WrongRemoteProgramIsExplained()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);

        var result = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{dir.File("r.db")}", "--ssh", Ssh.SshCommand, "--exe", "/bin/cat");

        var line = SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.Contains($"the remote program on {SshServer.Alias} failed (exit code 1): /bin/cat: unrecognized option '--replica'", line);
        Assert.False(File.Exists(dir.File("r.db")));
    }

    [SkippableFact]
    public void ChangedHostKeyIsRefusedBySshAndTheReplicaIsUntouched()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 100, seed: 1);
        TestDatabase.Create(replica, rows: 50, seed: 2);
        var before = File.ReadAllBytes(replica);
        var knownHosts = File.ReadAllText(Ssh.KnownHosts);
        Ssh.ChangeHostKey();
        try
        {
            var result = Sqlrsync(origin, $"{SshServer.Alias}:{replica}");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"ssh to {SshServer.Alias} failed", result.StandardError);
            Assert.Equal(before, File.ReadAllBytes(replica));
        }
        finally
        {
            File.WriteAllText(Ssh.KnownHosts, knownHosts);
        }
    }

    [SkippableFact]
    public void MissingRemoteDirectoryIsExplained()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);

        var result = Sqlrsync(origin, $"{SshServer.Alias}:{dir.File("no/such/dir/r.db")}");

        Assert.Equal(1, result.ExitCode);
        // The same words as for a local replica.
        Assert.Contains($"{SshServer.Alias}: the replica's directory {dir.File("no/such/dir")} does not exist (create it first)", result.StandardError);
    }

    [SkippableFact]
    public void TwoRemoteEndpointsAreAUsageError()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var result = Sqlrsync("a:/x.db", "b:/y.db");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("one side must be a local path", result.StandardError);
    }

    [SkippableFact]
    public void NoisyLoginOutputBeforeTheAgentIsExplained()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);
        // Stands in for a login script that prints a banner on stdout.
        var noisy = WrapperScript(dir, "noisy", $"echo 'Welcome to db2!'\nexec '{Ssh.Exe}' \"$@\"");

        var result = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{dir.File("r.db")}", "--ssh", Ssh.SshCommand, "--exe", noisy);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("printed \"Welcome to db2!\" on stdout before sqlrsync started", result.StandardError);
        Assert.False(File.Exists(dir.File("r.db")));
    }

    [SkippableFact]
    public void ConnectionCutMidPageStreamLeavesThePulledReplicaAsItWas()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 6000, seed: 1);
        TestDatabase.Create(replica, rows: 3000, seed: 2);
        var before = File.ReadAllBytes(replica);
        // The remote agent's output stops after 60 reads (at most 240 KiB), in the middle of the pages:
        // dd passes each read on at once, where head -c would hold small messages back.
        var cut = WrapperScript(dir, "cut", $"'{Ssh.Exe}' \"$@\" | dd bs=4096 count=60 status=none");

        var result = SqlRsyncProgram.Run($"{SshServer.Alias}:{origin}", replica, "--ssh", Ssh.SshCommand, "--exe", cut, "--compress", "off", "--timeout", "20");

        SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }

    [SkippableFact]
    public void SilentPeerEndsTheRunAfterTheTimeout()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);
        var silent = WrapperScript(dir, "silent", "sleep 30");

        var result = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{dir.File("r.db")}", "--ssh", Ssh.SshCommand, "--exe", silent, "--timeout", "2");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"no answer from {SshServer.Alias} for 2 s", result.StandardError);
    }

    private static string WrapperScript(TempDirectory dir, string name, string body)
    {
        var path = dir.File(name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }
}
