using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Remote;

/// <summary>
/// What a user reads when a remote sync goes wrong: the remote side checks what the local side checks,
/// before any page travels (a dry run too); ~ is the remote home; every failure is one line that says
/// what to do, whatever ssh printed on the way.
/// </summary>
public sealed class RemoteMessagesTests(RemoteMessagesTests.Server server) : IClassFixture<RemoteMessagesTests.Server>, IDisposable
{
    public sealed class Server : IDisposable
    {
        public SshServer Ssh { get; } = new();

        public void Dispose() => Ssh.Dispose();
    }

    private readonly TempDirectory _dir = new();

    private SshServer Ssh => server.Ssh;

    public void Dispose() => _dir.Dispose();

    [SkippableTheory]
    [InlineData("", false)]
    [InlineData("/", false)]
    [InlineData("", true)]
    [InlineData("/", true)]
    public void ARemoteReplicaThatIsADirectoryFailsAtOnce(string suffix, bool dryRun)
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = Origin();
        var replicas = Directory.CreateDirectory(_dir.File("replicas")).FullName;
        var before = DirectorySnapshot.Take(_dir.Path);

        var result = SqlRsyncProgram.Run([origin, $"{SshServer.Alias}:{replicas}{suffix}", "--ssh", Ssh.SshCommand, "--exe", Ssh.Exe,
            .. dryRun ? ["-n"] : Array.Empty<string>()]);

        var line = SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.Contains($"{SshServer.Alias}: replica {replicas}{suffix} is a directory; name the database file inside it", line);
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
    }

    [SkippableFact]
    public void ADryRunFailsWhereTheRealRunWouldLocallyAndRemotely()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        using var disk = new SmallFilesystem(kibibytes: 4096);
        Skip.If(disk.Unavailable is not null, disk.Unavailable);
        var origin = Origin();
        var existing = disk.File("existing.db");
        Assert.Equal(0, SqlRsyncProgram.Run(origin, existing).ExitCode);
        disk.MakeReadOnly();
        string directory = Path.GetDirectoryName(existing)!;

        foreach (var replica in new[] { existing, disk.File("new.db") })
        {
            foreach (var where in new[] { "", $"{SshServer.Alias}:" })
            {
                foreach (var dryRun in new[] { "--dry-run", "--check", "--force" })
                {
                    string[] remote = where.Length > 0 ? ["--ssh", Ssh.SshCommand, "--exe", Ssh.Exe] : [];
                    var result = SqlRsyncProgram.Run([origin, where + replica, dryRun, .. remote]);
                    var line = SqlRsyncProgram.AssertErrorLine(result, 1);
                    Assert.Contains($"the replica's directory {directory} is not writable", line);
                }
            }
        }
    }

    [SkippableFact]
    public void TildeIsTheRemoteHome()
    {
        var origin = Origin();
        var home = Directory.CreateDirectory(_dir.File("home")).FullName;
        // The stand-in's remote shell has HOME set, as a login over ssh would.
        var ssh = LocalSsh.Write(_dir, "home-ssh", $"HOME='{home}' exec '{LocalSsh.Script(_dir)}' \"$@\"");
        string[] remote = ["--ssh", ssh, "--exe", LocalSsh.Agent(_dir)];

        var push = SqlRsyncProgram.Run([origin, "host:~/app.db", .. remote]);
        Assert.True(push.ExitCode == 0, push.StandardError);
        TestDatabase.AssertPageIdentical(origin, Path.Combine(home, "app.db"), 4096);
        var pull = SqlRsyncProgram.Run(["host:~/app.db", _dir.File("pulled.db"), .. remote]);
        Assert.True(pull.ExitCode == 0, pull.StandardError);
        TestDatabase.AssertPageIdentical(origin, _dir.File("pulled.db"), 4096);

        // ~USER is that user's home: here a home that does not exist, named in the error.
        var nobody = ExternalProgram.Run("getent", ["passwd", "nobody"]).StandardOutput.Trim().Split(':');
        Skip.If(nobody.Length < 6, "no user nobody here");
        var other = SqlRsyncProgram.Run([origin, "host:~nobody/app.db", .. remote]);
        Assert.Contains(nobody[5], SqlRsyncProgram.AssertErrorLine(other, 1));
        Assert.DoesNotContain("~nobody", other.StandardError);
    }

    [Fact]
    public void ARemoteProgramThatNeverAnswersIsOneLine()
    {
        var origin = Origin();
        // What ssh says on a first connection, before the remote program runs.
        var ssh = LocalSsh.Write(_dir, "new-host-ssh", $"""
            echo "Warning: Permanently added 'host' (ED25519) to the list of known hosts." >&2
            exec '{LocalSsh.Script(_dir)}' "$@"
            """);

        var silent = SqlRsyncProgram.Run(origin, $"host:{_dir.File("r.db")}", "--ssh", ssh, "--exe", "/bin/true");
        Assert.Contains("the remote program /bin/true on host ended (exit code 0) without answering; is --exe (RemoteProgram) a sqlrsync program?",
            SqlRsyncProgram.AssertErrorLine(silent, 1));

        var missing = SqlRsyncProgram.Run(origin, $"host:{_dir.File("r.db")}", "--ssh", ssh, "--exe", "/no/such/sqlrsync");
        var line = SqlRsyncProgram.AssertErrorLine(missing, 1);
        Assert.Contains("--exe /no/such/sqlrsync: no such program on host", line);
        Assert.DoesNotContain("pass --exe", line);

        // After a sync that worked, ssh's notice is shown once; -q shows nothing.
        var worked = SqlRsyncProgram.Run(origin, $"host:{_dir.File("r.db")}", "--ssh", ssh, "--exe", LocalSsh.Agent(_dir));
        Assert.Equal("host: Warning: Permanently added 'host' (ED25519) to the list of known hosts.\n", worked.StandardError);
        var quiet = SqlRsyncProgram.Run(origin, $"host:{_dir.File("r.db")}", "--ssh", ssh, "--exe", LocalSsh.Agent(_dir), "-q");
        Assert.Equal("", quiet.StandardError);
    }

    [SkippableFact]
    public void AnUnknownHostKeySaysHowToAddIt()
    {
        Skip.If(Ssh.Unavailable is not null, Ssh.Unavailable);
        var origin = Origin();
        var before = DirectorySnapshot.Take(_dir.Path);

        var result = SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{_dir.File("r.db")}", "--exe", Ssh.Exe,
            "--ssh", $"{Ssh.SshCommand} -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes");

        var line = SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.Contains($"ssh to {SshServer.Alias} failed: Host key verification failed.", line);
        // The alias and its port are ssh_config's: the commands name the host and port ssh resolves them to.
        Assert.Contains($"known_hosts holds no key for 127.0.0.1 port {Ssh.Port}, or a different one: connect once with `ssh {SshServer.Alias}` to " +
            "check its key and accept it, " +
            $"or add it with `ssh-keyscan -p {Ssh.Port} 127.0.0.1 >> ~/.ssh/known_hosts` after comparing fingerprints; if the key changed, find " +
                $"out why before `ssh-keygen -R '[127.0.0.1]:{Ssh.Port}'`", line);
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
    }

    [Fact]
    public void ALocalFileNameWithAColonGetsTheDotSlashHint()
    {
        var origin = Origin();
        string name = "app-2026-11-23T02:53.db";

        var taken = SqlRsyncProgram.RunIn(_dir.Path, origin, name, "--ssh", "ssh -o ConnectTimeout=5");
        Assert.Contains($"(if {name} is a local file, write ./{name})", SqlRsyncProgram.AssertErrorLine(taken, 1));

        var local = SqlRsyncProgram.RunIn(_dir.Path, origin, "./" + name);
        Assert.True(local.ExitCode == 0, local.StandardError);
        TestDatabase.AssertPageIdentical(origin, _dir.File(name), 4096);
    }

    private string Origin()
    {
        var origin = _dir.File("origin.db");
        if (!File.Exists(origin))
        {
            TestDatabase.Create(origin, rows: 500);
            TestDatabase.Checkpoint(origin);
        }
        return origin;
    }
}
