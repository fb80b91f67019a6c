using System.Text.Json;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>The archive commands as a user runs them: add, list, restore, check, and the errors of each.</summary>
public class ArchiveCommandTests
{
    [Fact]
    public void AddListRestoreAndCheck()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("orders.db");
        var archive = dir.File("orders-archive");
        TestDatabase.Create(origin, rows: 2000);

        var first = SqlRsyncProgram.Run(origin, archive, "--archive", "--json");
        Assert.True(first.ExitCode == 0, first.StandardError);
        using var added = JsonDocument.Parse(first.StandardOutput);
        string firstId = added.RootElement.GetProperty("snapshot").GetProperty("id").GetString()!;
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        // Once it is an archive, --archive may be left out.
        var second = SqlRsyncProgram.Run(origin, archive, "-v");
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Matches("snapshot [0-9a-f]{16} of [0-9-]+ [0-9:]+ UTC: [0-9,]+ pages; it added [0-9,]+ bytes", second.StandardError);

        var list = SqlRsyncProgram.Run("--list", archive);
        Assert.True(list.ExitCode == 0, list.StandardError);
        var lines = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith(firstId, lines[1], StringComparison.Ordinal);
        Assert.StartsWith("2 snapshots", lines[3], StringComparison.Ordinal);
        using var listed = JsonDocument.Parse(SqlRsyncProgram.Run("--list", archive, "--json").StandardOutput);
        var snapshots = listed.RootElement.GetProperty("snapshots").EnumerateArray().ToList();
        Assert.Equal(2, snapshots.Count);
        Assert.All(snapshots, snapshot => Assert.True(snapshot.GetProperty("bytes_added").GetInt64() > 0 && snapshot.GetProperty("pages").GetInt64() > 0));

        var restored = dir.File("restored.db");
        var restore = SqlRsyncProgram.Run(archive, restored, "--at", firstId[..6]);
        Assert.True(restore.ExitCode == 0, restore.StandardError);
        Assert.Equal(3, SqlRsyncProgram.Run("--check", archive, restored).ExitCode);
        Assert.Equal(0, SqlRsyncProgram.Run("--check", archive, restored, "--at", firstId).ExitCode);
        Assert.Equal(0, SqlRsyncProgram.Run(archive, restored, "--at", "latest").ExitCode);
        Assert.Equal(0, SqlRsyncProgram.Run("--check", archive, restored).ExitCode);
        TestDatabase.AssertSynced(origin, restored, 4096);
    }

    [Fact]
    public void MistakesAreOneLineAndChangeNothing()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("orders.db");
        var archive = dir.File("orders-archive");
        TestDatabase.Create(origin, rows: 500);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, archive, "--archive").ExitCode);
        var key = dir.File("some.key");
        SnapshotArchives.MakeKey(key);
        var before = DirectorySnapshot.Take(dir.Path);

        Assert.Contains("no snapshot taken at or before 2001-01-01 00:00:00 UTC",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(archive, dir.File("r.db"), "--at", "2001-01-01"), 1), StringComparison.Ordinal);
        Assert.Contains("has no snapshot ffff",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(archive, dir.File("r.db"), "--at", "ffff"), 1), StringComparison.Ordinal);
        Assert.Contains("--at tomorrow: give a snapshot id",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(archive, dir.File("r.db"), "--at", "tomorrow"), 2), StringComparison.Ordinal);
        Assert.Contains("is not an archive",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, dir.File("r.db"), "--at", "latest"), 2), StringComparison.Ordinal);
        Assert.Contains("is not encrypted, but an encryption key was given",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run("--list", archive, "--encryption-key", key), 1), StringComparison.Ordinal);
        Assert.Contains("is not an sqlrsync archive",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, dir.Path, "--archive"), 1), StringComparison.Ordinal);
        Assert.Contains("--list takes one path",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run("--list", archive, dir.File("x")), 2), StringComparison.Ordinal);
        // A dry run makes nothing, not even the archive it would add to.
        Assert.Contains("does not exist (a sync into it with --archive makes it)",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, dir.File("new-archive"), "--archive", "--dry-run"), 1),
            StringComparison.Ordinal);
        DirectorySnapshot.AssertUnchanged(before, dir.Path);
        Assert.False(Directory.Exists(dir.File("new-archive")));
    }

    [Fact]
    public void MakeKeyWritesAPrivateKeyOnceAndAnEncryptedArchiveNeedsIt()
    {
        using var dir = new TempDirectory();
        var key = dir.File("archive.key");
        var origin = dir.File("orders.db");
        var archive = dir.File("orders-archive");
        TestDatabase.Create(origin, rows: 500);

        Assert.Equal(0, SqlRsyncProgram.Run("--make-key", key).ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        var keyText = File.ReadAllText(key);
        Assert.Contains("a key file is never overwritten", SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run("--make-key", key), 1),
            StringComparison.Ordinal);
        Assert.Equal(keyText, File.ReadAllText(key));

        Assert.Equal(0, SqlRsyncProgram.Run(origin, archive, "--archive", "--encryption-key", key).ExitCode);
        Assert.Contains("is encrypted: give its key with --encryption-key",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run("--list", archive), 1), StringComparison.Ordinal);
        Assert.Equal(0, SqlRsyncProgram.Run("--list", archive, "--encryption-key", key).ExitCode);
        Assert.Contains("is not an sqlrsync key file",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run("--list", archive, "--encryption-key", origin), 1), StringComparison.Ordinal);
    }

    [Fact]
    public void OneSnapshotGoesToAReplicaAndAnArchiveAtOnce()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("orders.db");
        var archive = dir.File("orders-archive");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, archive, "--archive").ExitCode);
        TestDatabase.Change(origin, Situation.OnePercentChanged);

        var both = SqlRsyncProgram.Run(origin, replica, archive, "--json");

        Assert.True(both.ExitCode == 0, both.StandardError);
        using var report = JsonDocument.Parse(both.StandardOutput);
        var replicas = report.RootElement.GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal(2, replicas.Count);
        Assert.True(replicas[1].TryGetProperty("snapshot", out _), both.StandardOutput);
        var restored = dir.File("restored.db");
        Assert.Equal(0, SqlRsyncProgram.Run(archive, restored).ExitCode);
        TestDatabase.AssertSynced(replica, restored, 4096);
        TestDatabase.AssertSynced(origin, restored, 4096);
    }

    [Fact]
    public async Task ADirectoryOfDatabasesGoesIntoAnArchivePerDatabase()
    {
        using var dir = new TempDirectory();
        var origins = dir.File("origins");
        Directory.CreateDirectory(Path.Combine(origins, "tenants"));
        TestDatabase.Create(Path.Combine(origins, "app.db"), rows: 300);
        TestDatabase.Create(Path.Combine(origins, "tenants", "a.db"), rows: 300, seed: 2);
        var root = dir.File("archives");

        var first = SqlRsyncProgram.Run(origins + "/", root, "--archive", "-r", "--json");
        Assert.True(first.ExitCode == 0, first.StandardError);
        TestDatabase.Change(Path.Combine(origins, "tenants", "a.db"), Situation.OnePercentChanged);
        var second = SqlRsyncProgram.Run(origins + "/", root, "--archive", "-r");
        Assert.True(second.ExitCode == 0, second.StandardError);

        foreach (var name in new[] { "app.db", "tenants/a.db" })
        {
            var archive = new ArchiveEndpoint(Path.Combine(root, name));
            Assert.Equal(2, (await SnapshotArchives.ListAsync(archive)).Count);
            var restored = dir.File($"restored-{Path.GetFileName(name)}");
            await DatabaseSync.RunAsync(archive, SyncEndpoint.Local(restored));
            TestDatabase.AssertSynced(Path.Combine(origins, name), restored, 4096);
        }
        Assert.Contains("--delete removes replicas, and archives keep history",
            SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origins + "/", root, "--archive", "--delete"), 2), StringComparison.Ordinal);
    }
}
