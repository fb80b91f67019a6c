using System.Globalization;
using SqlRsync.Ssh;
using SqlRsync.Tests.Remote;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Ssh;

/// <summary>
/// The in-process SSH.NET transport against the real sshd on 127.0.0.1: pushes and pulls through the
/// library's API and the CLI's --ssh-client builtin, host keys checked against known_hosts files as
/// ssh checks them (plain, hashed by ssh-keygen -H, [host]:port; changed, unknown, accept-new), each
/// user key type, passphrases, a refused key, and a remote without sqlrsync.
/// </summary>
public sealed class SshNetTests(SshSyncTests.Server server) : IClassFixture<SshSyncTests.Server>, IDisposable
{
    private readonly TempDirectory _dir = new();

    private SshServer Ssh => server.Ssh;

    public void Dispose() => _dir.Dispose();

    /// <summary>A connection to the test sshd as this user with its authorized key, checking <paramref name="knownHosts"/>.</summary>
    private SshNetConnection Connection(string knownHosts, string? key = null) => new("127.0.0.1", Environment.UserName)
    {
        Port = Ssh.Port,
        PrivateKeyFile = key ?? Ssh.UserKey,
        KnownHostsFile = knownHosts,
        Agent = new RemoteAgentOptions { RemoteProgram = Ssh.Exe },
    };

    /// <summary>A known_hosts file that lists the test sshd's real key under <paramref name="name"/>.</summary>
    private string KnownHostsListing(string name)
    {
        var file = _dir.File($"known_hosts-{Guid.NewGuid():N}");
        File.WriteAllText(file, $"# comment\nother.example ssh-ed25519 " +
            $"AAAAC3NzaC1lZDI1NTE5AAAAIDGo8VJ8uRBLmyhJgS4Fl0CA0xXq2ybTmMO4yrcZJq3M\n{name} {Ssh.HostPublicKey}\n");
        return file;
    }

    private static SyncResult Run(SyncEndpoint origin, SyncEndpoint replica, SyncOptions? options = null) =>
        DatabaseSync.RunAsync(origin, replica, options).GetAwaiter().GetResult();

    [SkippableFact]
    public void PushAndPullWithAKnownHostKey()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var remote = _dir.File("remote.db");
        TestDatabase.Create(origin, rows: 3000);
        var connection = Connection(KnownHostsListing($"[127.0.0.1]:{Ssh.Port}"));

        var push = Run(SyncEndpoint.Local(origin), new SshNetEndpoint(connection, remote));
        Assert.Equal(push.OriginPageCount - (push.OriginPageCount >= 262145 ? 1u : 0u), push.PagesSent);
        TestDatabase.AssertSynced(origin, remote, 4096);

        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var update = Run(SyncEndpoint.Local(origin), new SshNetEndpoint(connection, remote));
        Assert.True(update.PagesSent < update.OriginPageCount / 2);
        TestDatabase.AssertSynced(origin, remote, 4096);

        var pulled = _dir.File("pulled.db");
        Run(new SshNetEndpoint(connection, remote), SyncEndpoint.Local(pulled));
        TestDatabase.AssertSynced(remote, pulled, 4096);
    }

    [SkippableFact]
    public void AHashedKnownHostsEntryIsAccepted()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var knownHosts = KnownHostsListing($"[127.0.0.1]:{Ssh.Port}");
        // ssh-keygen -H hashes every host name in place, as HashKnownHosts=yes files look.
        Assert.Equal(0, ExternalProgram.Run("ssh-keygen", ["-H", "-f", knownHosts]).ExitCode);
        Assert.DoesNotContain("127.0.0.1", File.ReadAllText(knownHosts));
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 300);

        Run(SyncEndpoint.Local(origin), new SshNetEndpoint(Connection(knownHosts), _dir.File("remote.db")));

        TestDatabase.AssertSynced(origin, _dir.File("remote.db"), 4096);
    }

    [SkippableFact]
    public void AChangedHostKeyIsRefusedAndTheReplicaIsUntouched()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 300);
        TestDatabase.Create(replica, rows: 20, seed: 2);
        var before = File.ReadAllBytes(replica);
        var knownHosts = _dir.File("known_hosts");
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{Ssh.Port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDGo8VJ8uRBLmyhJgS4Fl0CA0xXq2ybTmMO4yrcZJq3M\n");

        var error = Assert.Throws<SyncException>(() => Run(SyncEndpoint.Local(origin), new SshNetEndpoint(Connection(knownHosts), replica)));

        Assert.Equal(SyncFailure.Transport, error.Reason);
        Assert.StartsWith($"the host key of [127.0.0.1]:{Ssh.Port} has changed (ssh-ed25519 SHA256:", error.Message);
        Assert.Contains("someone may be intercepting the connection", error.Message);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }

    [SkippableFact]
    public void AnUnknownHostIsRefusedThenAcceptedOnceWhenAskedAndKnownAfter()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 300);
        var knownHosts = _dir.File("ssh/known_hosts");
        var remote = new SshNetEndpoint(Connection(knownHosts), _dir.File("remote.db"));

        var error = Assert.Throws<SyncException>(() => Run(SyncEndpoint.Local(origin), remote));
        Assert.StartsWith($"the host key of [127.0.0.1]:{Ssh.Port} (ssh-ed25519 SHA256:", error.Message);
        Assert.Contains("--accept-new-host-key", error.Message);
        Assert.False(File.Exists(knownHosts));
        Assert.False(File.Exists(_dir.File("remote.db")));

        var acceptNew = new SshNetEndpoint(new SshNetConnection("127.0.0.1", Environment.UserName)
        {
            Port = Ssh.Port,
            PrivateKeyFile = Ssh.UserKey,
            KnownHostsFile = knownHosts,
            Agent = new RemoteAgentOptions { RemoteProgram = Ssh.Exe },
            AcceptNewHostKey = true,
        }, _dir.File("remote.db"));
        Run(SyncEndpoint.Local(origin), acceptNew);
        Assert.Equal($"[127.0.0.1]:{Ssh.Port} {Ssh.HostPublicKey}\n", File.ReadAllText(knownHosts));
        // ssh itself finds the added line (an oracle we did not write).
        Assert.Equal(0, ExternalProgram.Run("ssh-keygen", ["-F", $"[127.0.0.1]:{Ssh.Port}", "-f", knownHosts]).ExitCode);

        TestDatabase.Change(origin, Situation.OnePercentChanged);
        Run(SyncEndpoint.Local(origin), remote);
        TestDatabase.AssertSynced(origin, _dir.File("remote.db"), 4096);
    }

    [SkippableTheory]
    [InlineData("ed25519", "")]
    [InlineData("ecdsa", "")]
    [InlineData("rsa", "")]
    [InlineData("ed25519", "correct horse battery staple")]
    public void EachKindOfUserKeyLogsIn(string type, string passphrase)
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var key = Ssh.AddUserKey($"key-{type}-{Guid.NewGuid():N}", type, passphrase);
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 300);
        var connection = new SshNetConnection("127.0.0.1", Environment.UserName)
        {
            Port = Ssh.Port,
            PrivateKey = File.ReadAllText(key),
            Passphrase = passphrase.Length > 0 ? passphrase : null,
            KnownHostsFile = KnownHostsListing($"[127.0.0.1]:{Ssh.Port}"),
            Agent = new RemoteAgentOptions { RemoteProgram = Ssh.Exe },
        };

        Run(SyncEndpoint.Local(origin), new SshNetEndpoint(connection, _dir.File("remote.db")));

        TestDatabase.AssertSynced(origin, _dir.File("remote.db"), 4096);
        Assert.DoesNotContain("BEGIN", connection.ToString());
    }

    [SkippableFact]
    public void AKeyWithAPassphraseNeedsItAndNeverShowsIt()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        const string Passphrase = "s3cret-passphrase";
        var key = Ssh.AddUserKey($"locked-{Guid.NewGuid():N}", "ed25519", Passphrase);
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var knownHosts = KnownHostsListing($"[127.0.0.1]:{Ssh.Port}");

        var missing = Assert.Throws<SyncException>(() => Run(SyncEndpoint.Local(origin), new SshNetEndpoint(Connection(knownHosts, key),
            _dir.File("remote.db"))));
        Assert.Contains("has a passphrase; give it (SQLRSYNC_SSH_PASSPHRASE)", missing.Message);

        var wrong = new SshNetConnection("127.0.0.1", Environment.UserName)
        {
            Port = Ssh.Port,
            PrivateKeyFile = key,
            Passphrase = "not " + Passphrase,
            KnownHostsFile = knownHosts,
        };
        var error = Assert.Throws<SyncException>(() => Run(SyncEndpoint.Local(origin), new SshNetEndpoint(wrong, _dir.File("remote.db"))));
        Assert.Contains($"cannot read {key}", error.Message);
        Assert.DoesNotContain(Passphrase, error.ToString());
        Assert.DoesNotContain(Passphrase, wrong.ToString());
        Assert.False(File.Exists(_dir.File("remote.db")));
    }

    [SkippableFact]
    public void AKeyTheServerDoesNotKnowIsRefused()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var stranger = Ssh.AddUserKey($"stranger-{Guid.NewGuid():N}", "ed25519", authorized: false);
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);

        var error = Assert.Throws<SyncException>(() =>
            Run(SyncEndpoint.Local(origin), new SshNetEndpoint(Connection(KnownHostsListing($"[127.0.0.1]:{Ssh.Port}"), stranger), _dir.File("remote.db"))));

        Assert.Equal(SyncFailure.Transport, error.Reason);
        Assert.StartsWith($"ssh to 127.0.0.1 as {Environment.UserName} failed: the server did not accept the key", error.Message);
    }

    [SkippableFact]
    public void ARemoteWithoutSqlrsyncGivesTheSameLineAsWithOpenSsh()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var knownHosts = KnownHostsListing($"[127.0.0.1]:{Ssh.Port}");

        var builtin = SqlRsyncProgram.Run(origin, $"127.0.0.1:{_dir.File("r.db")}", "--ssh-client", "builtin", "-p",
            Ssh.Port.ToString(CultureInfo.InvariantCulture),
            "--identity", Ssh.UserKey, "--known-hosts", knownHosts, "--exe", "/no/such/sqlrsync");
        var openssh = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{_dir.File("r.db")}", "--ssh", Ssh.SshCommand, "--exe", "/no/such/sqlrsync");

        string expected = "--exe /no/such/sqlrsync: no such program on {0}, or it cannot run";
        Assert.Contains(string.Format(CultureInfo.InvariantCulture, expected, "127.0.0.1"), SqlRsyncProgram.AssertErrorLine(builtin, 1));
        Assert.Contains(string.Format(CultureInfo.InvariantCulture, expected, SshServer.Alias), SqlRsyncProgram.AssertErrorLine(openssh, 1));
        Assert.False(File.Exists(_dir.File("r.db")));
    }

    /// <summary>
    /// A watch through SSH.NET logs in once: one agent, on one connection, serves every cycle (its
    /// connection is not shared as OpenSSH's ControlMaster shares one, but it is kept).
    /// </summary>
    [SkippableFact]
    public async Task AWatchLogsInOnceForAllItsCycles()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var remote = _dir.File("remote.db");
        TestDatabase.Create(origin, rows: 1000);
        int loginsBefore = Ssh.Logins;
        using var watch = new LibraryWatch(origin, [new SshNetEndpoint(Connection(KnownHostsListing($"[127.0.0.1]:{Ssh.Port}")), remote)],
            new WatchOptions { Interval = TimeSpan.FromMilliseconds(10) });
        watch.WaitUntil(() => watch.Cycles.Any(cycle => cycle.Replicas[0].Succeeded), "the first cycle");
        for (int round = 1; round <= 3; round++)
        {
            TestDatabase.Sqlite3Cli(origin, $"UPDATE items SET name = 'round {round}' WHERE id % 10 = {round}", waitForLocks: true);
            string counted = $"SELECT count(*) FROM items WHERE name = 'round {round}'";
            watch.WaitUntil(() => TestDatabase.Sqlite3Cli(remote, counted) == "100", $"round {round} on the replica");
        }
        var summary = await watch.StopAsync();

        Assert.True(summary.Cycles >= 4, $"{summary.Cycles} cycles");
        Assert.Equal(0, summary.FailedSyncs);
        Assert.Equal(1, Ssh.Logins - loginsBefore);
        TestDatabase.AssertSynced(origin, remote, 4096);
    }

    [SkippableFact]
    public void TheCommandLinesBuiltinClientPushesAndPulls()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var remote = _dir.File("remote.db");
        TestDatabase.Create(origin, rows: 2000);
        string[] builtin = ["--ssh-client", "builtin", "-p", Ssh.Port.ToString(CultureInfo.InvariantCulture), "--identity", Ssh.UserKey,
                            "--known-hosts", KnownHostsListing($"[127.0.0.1]:{Ssh.Port}"), "--exe", Ssh.Exe];

        var push = SqlRsyncProgram.Run([origin, $"{Environment.UserName}@127.0.0.1:{remote}", "-v", .. builtin]);
        Assert.True(push.ExitCode == 0, push.StandardError);
        var pull = SqlRsyncProgram.Run([$"127.0.0.1:{remote}", _dir.File("pulled.db"), .. builtin]);
        Assert.True(pull.ExitCode == 0, pull.StandardError);

        TestDatabase.AssertSynced(origin, remote, 4096);
        TestDatabase.AssertSynced(remote, _dir.File("pulled.db"), 4096);
    }

    [SkippableFact]
    public void ARemoteAgentsReasonArrivesAsTheSameFailure()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var replica = _dir.File("remote.db");
        TestDatabase.Create(origin, rows: 300);
        var connection = Connection(KnownHostsListing($"[127.0.0.1]:{Ssh.Port}"));
        Run(SyncEndpoint.Local(origin), new SshNetEndpoint(connection, replica));
        using var holder = new SqliteShell(replica);
        holder.Run("BEGIN IMMEDIATE;");

        var busy = Assert.Throws<SyncException>(() => Run(SyncEndpoint.Local(origin), new SshNetEndpoint(connection, replica),
            new SyncOptions { BusyTimeout = TimeSpan.FromSeconds(1) }));
        holder.Run("COMMIT;");
        TestDatabase.Sqlite3Cli(replica, "DELETE FROM items WHERE id < 10");
        var refused = Assert.Throws<SyncException>(() => Run(SyncEndpoint.Local(origin), new SshNetEndpoint(connection, replica)));

        Assert.Equal(SyncFailure.Busy, busy.Reason);
        Assert.StartsWith($"127.0.0.1: replica {replica} is locked by another writer", busy.Message);
        Assert.Equal(SyncFailure.Refused, refused.Reason);
        Assert.StartsWith($"127.0.0.1: replica {replica} was changed by another program", refused.Message);
    }
}
