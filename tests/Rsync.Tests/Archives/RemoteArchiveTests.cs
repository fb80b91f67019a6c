using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// Archives on another host, through the real sshd: adding, listing, verifying, pruning and restoring
/// over ssh in both directions, an encrypted archive whose host never sees a page, and restricted keys:
/// an append-only key adds and reads but can delete, prune or overwrite nothing (every such request is
/// refused before anything changes), a read-only key only reads, and no key can plant an object under a
/// name its bytes do not hash to.
/// </summary>
public sealed class RemoteArchiveTests(RemoteArchiveTests.Server server) : IClassFixture<RemoteArchiveTests.Server>, IDisposable
{
    private const string AppendOnly = "append-only";
    private const string ReadOnly = "read-only";
    private const string Plain = "plain";

    public sealed class Server : IDisposable
    {
        private readonly TempDirectory _root = new();

        public Server()
        {
            Directory.CreateDirectory(Allowed);
            if (Ssh.Unavailable is null)
            {
                Ssh.AddForcedCommandKey(AppendOnly, $"{Ssh.Exe} --serve --allow {Allowed} --append-only");
                Ssh.AddForcedCommandKey(ReadOnly, $"{Ssh.Exe} --serve --allow {Allowed} --read-only");
                Ssh.AddForcedCommandKey(Plain, $"{Ssh.Exe} --serve --allow {Allowed}");
            }
        }

        public SshServer Ssh { get; } = new();

        /// <summary>The directory the restricted keys may reach.</summary>
        public string Allowed => _root.File("served");

        public void Dispose()
        {
            Ssh.Dispose();
            _root.Dispose();
        }
    }

    private readonly TempDirectory _local = new();
    private readonly string _name = $"archive-{Guid.NewGuid():N}";

    public void Dispose() => _local.Dispose();

    private ExternalProgram.Result Sqlrsync(params string[] arguments) =>
        SqlRsyncProgram.Run([.. arguments, "--ssh", server.Ssh.SshCommand, "--exe", server.Ssh.Exe]);

    private ExternalProgram.Result Restricted(params string[] arguments) => SqlRsyncProgram.Run([.. arguments, "--ssh", server.Ssh.SshCommand]);

    [SkippableFact]
    public async Task AnArchiveOverSshAddsListsVerifiesPrunesAndRestoresBothWays()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _local.File("origin.db");
        TestDatabase.Create(origin, rows: 3000);
        var archive = Path.Combine(server.Allowed, _name);
        var remote = $"{SshServer.Alias}:{archive}";
        var states = new List<string>();
        foreach (var change in new[] { Situation.OnePercentChanged, Situation.ThirtyPercentChanged, Situation.OriginGrew })
        {
            var add = Sqlrsync(origin, remote, "--archive", "-v");
            Assert.True(add.ExitCode == 0, add.StandardError);
            states.Add(TestDatabase.CheckpointedCopy(origin, _local.File($"state-{states.Count}.db")));
            TestDatabase.Change(origin, change);
        }

        var listed = Sqlrsync("--list", remote, "--json");
        Assert.True(listed.ExitCode == 0, listed.StandardError);
        using var json = System.Text.Json.JsonDocument.Parse(listed.StandardOutput);
        var ids = json.RootElement.GetProperty("snapshots").EnumerateArray().Select(snapshot => snapshot.GetProperty("id").GetString()!).ToList();
        Assert.Equal(3, ids.Count);
        // The archive on the far host is the same as one made here: this process opens it as a directory.
        Assert.Equal(ids, (await SnapshotArchives.ListAsync(new ArchiveEndpoint(archive))).Select(snapshot => snapshot.Id));
        Assert.Contains("is intact: 3 snapshots", Sqlrsync("--verify", remote).StandardOutput, StringComparison.Ordinal);

        // Pull: a snapshot on the far host into a replica here, then one snapshot away (only what differs).
        var pulled = _local.File("pulled.db");
        var first = Sqlrsync(remote, pulled, "--at", ids[0]);
        Assert.True(first.ExitCode == 0, first.StandardError);
        TestDatabase.AssertSynced(states[0], pulled, 4096);
        var second = Sqlrsync(remote, pulled, "--at", ids[1], "--json");
        Assert.True(second.ExitCode == 0, second.StandardError);
        TestDatabase.AssertSynced(states[1], pulled, 4096);
        using (var report = System.Text.Json.JsonDocument.Parse(second.StandardOutput))
        {
            Assert.InRange(report.RootElement.GetProperty("pages_changed").GetInt64(), 1, report.RootElement.GetProperty("origin_pages").GetInt64() - 1);
        }

        // Push: a snapshot of an archive here into a replica on the far host.
        var local = _local.File("local-archive");
        Assert.Equal(0, SqlRsyncProgram.Run(states[2], local, "--archive").ExitCode);
        var pushedReplica = Path.Combine(server.Allowed, $"{_name}-pushed.db");
        var push = Sqlrsync(local, $"{SshServer.Alias}:{pushedReplica}");
        Assert.True(push.ExitCode == 0, push.StandardError);
        TestDatabase.AssertSynced(states[2], pushedReplica, 4096);

        var prune = Sqlrsync("--prune", remote, "--keep-last", "1");
        Assert.True(prune.ExitCode == 0, prune.StandardError);
        Assert.Equal([ids[2]], (await SnapshotArchives.ListAsync(new ArchiveEndpoint(archive))).Select(snapshot => snapshot.Id));
        var latest = _local.File("latest.db");
        Assert.Equal(0, Sqlrsync(remote, latest, "--at", "latest").ExitCode);
        TestDatabase.AssertSynced(states[2], latest, 4096);

        // Once it is an archive, --archive may be left out: the far agent says so, and this side goes on with it as one.
        var implicitAdd = Sqlrsync(origin, remote);
        Assert.True(implicitAdd.ExitCode == 0, implicitAdd.StandardError);
        Assert.Equal(2, (await SnapshotArchives.ListAsync(new ArchiveEndpoint(archive))).Count);
        var implicitRestore = _local.File("implicit.db");
        var restored = Sqlrsync(remote, implicitRestore);
        Assert.True(restored.ExitCode == 0, restored.StandardError);
        TestDatabase.AssertSynced(origin, implicitRestore, 4096);
    }

    [SkippableFact]
    public async Task ADirectoryOfDatabasesGoesIntoArchivesOnAnotherHostOverOneLogin()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origins = _local.File("origins");
        Directory.CreateDirectory(Path.Combine(origins, "tenants"));
        Directory.CreateDirectory(Path.Combine(origins, "planted"));
        TestDatabase.Create(Path.Combine(origins, "app.db"), rows: 300);
        TestDatabase.Create(Path.Combine(origins, "tenants", "a.db"), rows: 300, seed: 2);
        TestDatabase.Create(Path.Combine(origins, "planted", "b.db"), rows: 300, seed: 3);
        var root = Path.Combine(server.Allowed, _name);
        // On the far host, "planted" under the root is a link to a directory elsewhere: nothing may go there.
        var elsewhere = _local.File("elsewhere");
        Directory.CreateDirectory(elsewhere);
        Directory.CreateDirectory(root);
        File.CreateSymbolicLink(Path.Combine(root, "planted"), elsewhere);
        // Each ssh the client starts leaves a line here.
        var logins = _local.File("logins");
        var countingSsh = _local.File("counting-ssh");
        File.WriteAllText(countingSsh, $"#!/bin/sh\necho login >> '{logins}'\nexec {server.Ssh.SshCommand} \"$@\"\n");
        File.SetUnixFileMode(countingSsh, (UnixFileMode)0x1C0);

        var states = new List<string>();
        for (int run = 0; run < 2; run++)
        {
            var add = SqlRsyncProgram.Run(origins + "/", $"{SshServer.Alias}:{root}", "--archive", "-r", "--ssh", countingSsh, "--exe", server.Ssh.Exe);
            // Some synced, one failed.
            Assert.True(add.ExitCode == 4, add.StandardError);
            Assert.Contains("planted/b.db", add.StandardError, StringComparison.Ordinal);
            Assert.Contains("leads out of", add.StandardError, StringComparison.Ordinal);
            states.Add(TestDatabase.CheckpointedCopy(Path.Combine(origins, "tenants", "a.db"), _local.File($"state-{run}.db")));
            TestDatabase.Change(Path.Combine(origins, "tenants", "a.db"), Situation.OnePercentChanged);
        }

        Assert.Equal(2, File.ReadAllLines(logins).Length);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        var restored = _local.File("restored.db");
        Assert.Equal(2, (await SnapshotArchives.ListAsync(new ArchiveEndpoint(Path.Combine(root, "app.db")))).Count);
        var tenant = new ArchiveEndpoint(Path.Combine(root, "tenants", "a.db"));
        var snapshots = await SnapshotArchives.ListAsync(tenant);
        Assert.Equal(2, snapshots.Count);
        Assert.True(snapshots[1].PagesAdded > 0);
        await DatabaseSync.RunAsync(tenant, SyncEndpoint.Local(restored));
        TestDatabase.AssertSynced(states[1], restored, 4096);

        // Through an append-only key the same adds work; nothing else may be done there.
        var appended = Restricted(origins + "/", $"{AppendOnly}:{root}", "--archive", "-r", "--exclude", "planted/*");
        Assert.True(appended.ExitCode == 0, appended.StandardError);
        Assert.Equal(3, (await SnapshotArchives.ListAsync(tenant)).Count);
    }

    [SkippableFact]
    public async Task AnAppendOnlyKeyAddsAndReadsButCannotDestroyHistory()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _local.File("origin.db");
        TestDatabase.Create(origin, rows: 2000);
        var archive = Path.Combine(server.Allowed, _name);
        var remote = $"{AppendOnly}:{archive}";

        var first = Restricted(origin, remote, "--archive");
        Assert.True(first.ExitCode == 0, first.StandardError);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        // Over ssh a directory cannot be recognised as an archive from here: --archive says it every time.
        var second = Restricted(origin, remote, "--archive");
        Assert.True(second.ExitCode == 0, second.StandardError);
        var before = DirectorySnapshot.Take(archive);
        Assert.Equal(2, (await SnapshotArchives.ListAsync(new ArchiveEndpoint(archive))).Count);

        var prune = SqlRsyncProgram.AssertErrorLine(Restricted("--prune", remote, "--keep-last", "1"), 1);
        Assert.Contains("--append-only", prune, StringComparison.Ordinal);
        // A key without --allow-delete deletes nothing either, in archives as in directories of databases.
        Assert.Contains("nothing was pruned",
            SqlRsyncProgram.AssertErrorLine(Restricted("--prune", $"{Plain}:{archive}", "--keep-last", "1"), 1), StringComparison.Ordinal);
        var overwrite = SqlRsyncProgram.AssertErrorLine(Restricted(origin, $"{AppendOnly}:{Path.Combine(server.Allowed, $"{_name}.db")}"), 1);
        Assert.Contains("refused: this key may only add snapshots to archives and read (--append-only)", overwrite, StringComparison.Ordinal);
        DirectorySnapshot.AssertUnchanged(before, archive);

        var restored = _local.File("restored.db");
        Assert.Equal(0, Restricted(remote, restored, "--at", "latest").ExitCode);
        TestDatabase.AssertSynced(origin, restored, 4096);
        Assert.Equal(0, Restricted("--verify", remote).ExitCode);
    }

    [SkippableFact]
    public void TheAgentRefusesEveryDeleteOfAnAppendOnlyKeyAndEveryObjectNotNamedByItsBytes()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _local.File("origin.db");
        TestDatabase.Create(origin, rows: 500);
        var archive = Path.Combine(server.Allowed, _name);
        Assert.Equal(0, Restricted(origin, $"{AppendOnly}:{archive}", "--archive").ExitCode);
        var before = DirectorySnapshot.Take(archive);
        var pack = Path.GetRelativePath(archive, Directory.GetFiles(Path.Combine(archive, "packs"), "*", SearchOption.AllDirectories)[0]);

        // The client's own checks are bypassed: these requests are written straight to the agent.
        using (var store = RawArchiveStore.Open(server.Ssh, AppendOnly, archive))
        {
            Assert.False(store.MayDelete);
            Assert.Contains("--append-only", RawArchiveStore.Refusal(() => store.Delete(pack)), StringComparison.Ordinal);
            Assert.Contains("--append-only", RawArchiveStore.Refusal(() => store.Delete("config")), StringComparison.Ordinal);
            Assert.Contains("--append-only", RawArchiveStore.Refusal(store.Cleanup), StringComparison.Ordinal);
            // Bytes that do not hash to the name they are offered under, which a later snapshot could take for its own.
            var planted = "packs/00/" + new string('0', 64);
            Assert.Contains("no object an archive holds under that name", RawArchiveStore.Refusal(() => store.Create(planted, new byte[100])),
                StringComparison.Ordinal);
            Assert.Contains("no object an archive holds under that name", RawArchiveStore.Refusal(() => store.Create("notes.txt", new byte[10])),
                StringComparison.Ordinal);
            // Overwriting is no request at all: creating what exists changes nothing.
            Assert.False(store.Create(pack, File.ReadAllBytes(Path.Combine(archive, pack))));
        }
        using (var store = RawArchiveStore.Open(server.Ssh, ReadOnly, archive))
        {
            Assert.False(store.MayCreate);
            Assert.Contains("--read-only", RawArchiveStore.Refusal(() => store.Create("snapshots/20261207T000000000Z-0123456789abcdef", [1, 2, 3])),
                StringComparison.Ordinal);
        }
        DirectorySnapshot.AssertUnchanged(before, archive);
    }

    [SkippableFact]
    public async Task AnEncryptedArchiveOverSshKeepsItsKeyAndPagesFromTheHost()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _local.File("origin.db");
        TestDatabase.Create(origin, rows: 1000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE secrets(s); INSERT INTO secrets VALUES ('attack at dawn, attack at dawn, attack at dawn')");
        var key = _local.File("archive.key");
        SnapshotArchives.MakeKey(key);
        var archive = Path.Combine(server.Allowed, _name);
        var remote = $"{SshServer.Alias}:{archive}";

        Assert.Equal(0, Sqlrsync(origin, remote, "--archive", "--encryption-key", key).ExitCode);

        Assert.DoesNotContain(Directory.GetFiles(archive, "*", SearchOption.AllDirectories),
            file => System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(file)).Contains("attack at dawn", StringComparison.Ordinal));
        Assert.Contains("is encrypted: give its key", SqlRsyncProgram.AssertErrorLine(Sqlrsync("--list", remote), 1), StringComparison.Ordinal);
        var restored = _local.File("restored.db");
        Assert.Equal(0, Sqlrsync(remote, restored, "--at", "latest", "--encryption-key", key).ExitCode);
        TestDatabase.AssertSynced(origin, restored, 4096);
        Assert.Single(await SnapshotArchives.ListAsync(new ArchiveEndpoint(archive) { KeyFile = key }));
    }
}
