using System.Globalization;
using SqlRsync.Tests.Remote;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Safety;

/// <summary>
/// Every file sqlrsync creates is created new — never through a symbolic link another user planted at
/// its name, under a name no one can guess — and never wider than what it copies: a new replica takes
/// the origin's permission bits (locally, pushed and pulled over ssh), an existing replica keeps its
/// own, and the record beside it is no wider than the replica.
/// </summary>
public sealed class FileCreationTests(SshSyncTests.Server server) : IClassFixture<SshSyncTests.Server>, IDisposable
{
    private const UnixFileMode Private = (UnixFileMode)0x180;   // 0600
    private const UnixFileMode GroupRead = (UnixFileMode)0x1A0; // 0640

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// A second user who may write the replica's directory plants symbolic links, to a root-only file,
    /// at the names the record's temporary file had (".REPLICA-sqlrsync.PID.tmp" for the next few
    /// thousand pids) and at the old record's hidden name; the sync writes through none of them.
    /// </summary>
    [SkippableFact]
    public void SymlinksPlantedAtTheRecordsNamesAreNeverFollowed()
    {
        using var attacker = new OtherUser();
        Skip.If(attacker.Unavailable is not null, attacker.Unavailable);
        var shared = OtherUser.SharedDirectory(_dir, "shared");
        var secret = Directory.CreateDirectory(_dir.File("private")).FullName;
        File.SetUnixFileMode(secret, (UnixFileMode)0x1C0);  // 0700: root's alone
        var victim = Path.Combine(secret, "important");
        File.WriteAllText(victim, "root's own");
        File.SetUnixFileMode(victim, Private);
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 500);
        var replica = Path.Combine(shared, "app.db");
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        int lastPid = int.Parse(File.ReadAllText("/proc/sys/kernel/ns_last_pid").Trim(), CultureInfo.InvariantCulture);
        // One process plants them all, so that the pids it would use up stay free for the sync.
        attacker.Run("/usr/bin/python3", "-c",
            $"import os\nfor pid in range({lastPid + 1}, {lastPid + 3001}): os.symlink('{victim}', '{shared}/.app.db-sqlrsync.%d.tmp' % pid)\n" +
            $"os.symlink('{victim}', '{shared}/.app.db-sqlrsync.previous')");

        var sync = SqlRsyncProgram.Run(origin, replica);

        Assert.True(sync.ExitCode == 0, sync.StandardError);
        Assert.Equal("root's own", File.ReadAllText(victim));
        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.StartsWith("sqlrsync replica state 1\n", File.ReadAllText(replica + "-sqlrsync"));
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
    }

    /// <summary>A record that is a symbolic link is not read through: one line, and nothing written.</summary>
    [Fact]
    public void ARecordThatIsASymbolicLinkIsRefused()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 300);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        var elsewhere = _dir.File("elsewhere");
        File.Move(replica + "-sqlrsync", elsewhere);
        File.CreateSymbolicLink(replica + "-sqlrsync", elsewhere);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var before = DirectorySnapshot.Take(_dir.Path);

        var line = SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica), 1);

        Assert.Contains("a symbolic link, which sqlrsync never makes", line);
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
    }

    public enum Route { Local, Push, Pull }

    [SkippableTheory]
    [InlineData(Route.Local, 0x180)]
    [InlineData(Route.Local, 0x1A0)]
    [InlineData(Route.Push, 0x180)]
    [InlineData(Route.Pull, 0x180)]
    [InlineData(Route.Pull, 0x1A0)]
    public void ANewReplicaAndItsRecordAreNoWiderThanTheOrigin(Route route, int originMode)
    {
        Skip.If(route != Route.Local && server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _dir.File("app.db");
        var replica = _dir.File("backup.db");
        TestDatabase.Create(origin, rows: 300);
        TestDatabase.Checkpoint(origin);
        File.SetUnixFileMode(origin, (UnixFileMode)originMode);

        var sync = route switch
        {
            Route.Local => SqlRsyncProgram.Run(origin, replica),
            Route.Push => SqlRsyncProgram.Run(origin, $"{SshServer.Alias}:{replica}", "--ssh", server.Ssh.SshCommand, "--exe", server.Ssh.Exe),
            _ => SqlRsyncProgram.Run($"{SshServer.Alias}:{origin}", replica, "--ssh", server.Ssh.SshCommand, "--exe", server.Ssh.Exe),
        };

        Assert.True(sync.ExitCode == 0, sync.StandardError);
        // The umask (022 here, as a test process has it) narrows, never widens.
        Assert.Equal((UnixFileMode)originMode, File.GetUnixFileMode(replica));
        Assert.Equal((UnixFileMode)originMode, File.GetUnixFileMode(replica + "-sqlrsync"));
        TestDatabase.AssertIntegrityOk(replica);
        Assert.All(Directory.GetFiles(_dir.Path, "backup.db*"), file => Assert.Equal(0, (int)File.GetUnixFileMode(file) & 0x7 & ~originMode));
    }

    [Fact]
    public void AnExistingReplicaKeepsItsOwnPermissionsAndItsRecordIsNoWider()
    {
        var origin = _dir.File("app.db");
        var replica = _dir.File("backup.db");
        TestDatabase.Create(origin, rows: 300);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        File.SetUnixFileMode(replica, GroupRead);
        File.SetUnixFileMode(origin, (UnixFileMode)0x1B6);
        TestDatabase.Change(origin, Situation.OnePercentChanged);

        var sync = SqlRsyncProgram.Run(origin, replica);

        Assert.True(sync.ExitCode == 0, sync.StandardError);
        Assert.Equal(GroupRead, File.GetUnixFileMode(replica));
        Assert.Equal(GroupRead, File.GetUnixFileMode(replica + "-sqlrsync"));
    }
}
