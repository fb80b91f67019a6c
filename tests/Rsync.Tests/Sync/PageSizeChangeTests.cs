using SqlRsync.Tests.Remote;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// After `PRAGMA page_size=8192; VACUUM` on the origin, the next sync rebuilds the replica whole beside
/// the old file and swaps it in (every sync said "page size mismatch" until a person acted): one
/// snapshot, the guard applied to the old file, readers that had the old file open keep reading it
/// consistently, new readers see the new one, the summary says so, and the next sync needs no flag.
/// A failure leaves the old file as it was.
/// </summary>
public sealed class PageSizeChangeTests(SshSyncTests.Server server) : IClassFixture<SshSyncTests.Server>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public enum Route { Local, Push, Pull }

    [SkippableTheory]
    [InlineData(Route.Local, "wal")]
    [InlineData(Route.Local, "delete")]
    [InlineData(Route.Push, "wal")]
    [InlineData(Route.Pull, "delete")]
    public void ANewPageSizeOnTheOriginRebuildsTheReplicaUnderItsReaders(Route route, string journalMode)
    {
        Skip.If(route != Route.Local && server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000, journalMode: journalMode);
        Assert.Equal(0, Sync(route, origin, replica).ExitCode);
        ChangePageSize(origin, 8192, journalMode);
        using var reader = new SqliteShell(replica);
        reader.Run("BEGIN; SELECT count(*) FROM items;");
        var before = reader.Output;
        File.SetUnixFileMode(replica, (UnixFileMode)0x1A0);  // 0640: the replica keeps its own permission bits

        var sync = Sync(route, origin, replica, "-v");

        Assert.True(sync.ExitCode == 0, sync.StandardError);
        Assert.Contains("the origin's page size changed from 4,096 to 8,192 bytes: the replica was rebuilt whole and swapped in", sync.StandardError);
        TestDatabase.AssertSynced(origin, replica, 8192);
        Assert.Equal("8192", TestDatabase.Sqlite3Cli(replica, "PRAGMA page_size"));
        Assert.Equal((UnixFileMode)0x1A0, File.GetUnixFileMode(replica));
        // The reader that had the old file open still reads it, whole and unchanged, in its transaction and after.
        reader.Run("SELECT count(*) FROM items; PRAGMA integrity_check; COMMIT; SELECT count(*) FROM items; PRAGMA page_size;");
        var lines = reader.Output[before.Length..].Split('\n',
            StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith("sqlite-shell-marker", StringComparison.Ordinal)).ToList();
        Assert.Equal(["3000", "ok", "3000", "4096"], lines);
        Assert.Equal("", reader.Finish().Error);
        Assert.Equal("3001", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items"));
        var next = Sync(route, origin, replica, "-v");
        Assert.True(next.ExitCode == 0, next.StandardError);
        Assert.Contains("changed 0 of", next.StandardError);
    }

    [Fact]
    public void ADryRunSaysTheReplicaWouldBeRebuiltAndChangesNothing()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        ChangePageSize(origin, 16384, "wal");
        var files = DirectorySnapshot.Take(_dir.Path);

        var dryRun = SqlRsyncProgram.Run(origin, replica, "--dry-run", "--json");

        Assert.True(dryRun.ExitCode == 0, dryRun.StandardError);
        Assert.Contains("\"replaced_page_size\":4096", dryRun.StandardOutput);
        DirectorySnapshot.AssertUnchanged(files, _dir.Path);
        Assert.Equal(3, SqlRsyncProgram.Run(origin, replica, "--check").ExitCode);
    }

    /// <summary>A replica another program changed is refused before it is replaced, as any other.</summary>
    [Fact]
    public void AReplicaChangedByAnotherProgramIsNotReplaced()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        TestDatabase.Sqlite3Cli(replica, "INSERT INTO items(name) VALUES ('by hand')");
        ChangePageSize(origin, 8192, "wal");
        var files = DirectorySnapshot.Take(_dir.Path);

        var line = SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica), 1);

        Assert.Contains("was changed by another program since sqlrsync last wrote it", line);
        DirectorySnapshot.AssertUnchanged(files, _dir.Path);
    }

    /// <summary>No room for the new file: the old replica stays, byte for byte, and nothing is left beside it.</summary>
    [SkippableFact]
    public void AFullDiskLeavesTheOldReplicaAsItWas()
    {
        using var disk = new SmallFilesystem(3 * 1024);
        Skip.If(disk.Unavailable is not null, disk.Unavailable);
        var origin = _dir.File("origin.db");
        var replica = disk.File("replica.db");
        TestDatabase.CreateRowsOfRandomBytes(origin, rows: 1800);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        ChangePageSize(origin, 8192, "wal", "INSERT INTO t(v) VALUES (randomblob(1000))");
        var files = DirectorySnapshot.Take(disk.File(""));

        var line = SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica), 1);

        Assert.Matches("(?i)no space left", line);
        DirectorySnapshot.AssertUnchanged(files, disk.File(""));
        Assert.Equal("4096", TestDatabase.Sqlite3Cli(replica, "PRAGMA page_size"));
    }

    private ExternalProgram.Result Sync(Route route, string origin, string replica, params string[] options) => route switch
    {
        Route.Local => SqlRsyncProgram.Run([origin, replica, .. options]),
        Route.Push => SqlRsyncProgram.Run([origin, $"{SshServer.Alias}:{replica}", "--ssh", server.Ssh.SshCommand, "--exe", server.Ssh.Exe, .. options]),
        _ => SqlRsyncProgram.Run([$"{SshServer.Alias}:{origin}", replica, "--ssh", server.Ssh.SshCommand, "--exe", server.Ssh.Exe, .. options]),
    };

    /// <summary>What a user does: a new page size takes a VACUUM, outside WAL mode; then <paramref name="change"/> (a row more).</summary>
    private static void ChangePageSize(string origin, int pageSize, string journalMode, string change = "INSERT INTO items(name) VALUES ('one more')") =>
        TestDatabase.Sqlite3Cli(origin, $"PRAGMA journal_mode=delete; PRAGMA page_size={pageSize}; VACUUM; PRAGMA journal_mode={journalMode}; {change}");
}
