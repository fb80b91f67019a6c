using SqlRsync.Tests.Remote;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Safety;

/// <summary>
/// sqlrsync refuses to overwrite a database that shows it is not a replica — swapped arguments while
/// a program writes the "replica", or a replica edited since sqlrsync last wrote it — with one line,
/// exit 1 and nothing changed; --force overrides. The everyday flows need no flag: a new replica,
/// repeated syncs into a replica that others only read; a first sync into a copy made with cp (or by
/// sqlite3_rsync) takes --force once, as it holds a database sqlrsync never wrote.
/// All through the real program.
/// </summary>
public sealed class ReplicaGuardTests(SshSyncTests.Server server) : IClassFixture<SshSyncTests.Server>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SwappedArgumentsWhileAProgramWritesTheLiveDatabaseAreRefused()
    {
        var live = _dir.File("live.db");
        var backup = _dir.File("backup.db");
        TestDatabase.Create(live, rows: 2000);
        TestDatabase.Sqlite3Cli(live, "CREATE TABLE log(n INTEGER PRIMARY KEY)");
        using var writer = new SqliteShell(live);
        writer.WaitUntilOpen();
        writer.Run("INSERT INTO log VALUES (1);");
        Assert.Equal(0, SqlRsyncProgram.Run(live, backup).ExitCode);
        for (int n = 2; n <= 50; n++)
        {
            writer.Send($"INSERT INTO log VALUES ({n});");
        }

        var swapped = SqlRsyncProgram.Run(backup, live);

        var line = SqlRsyncProgram.AssertErrorLine(swapped, 1);
        Assert.Contains($"replica {live} is in use by another process (sqlite3, pid {writer.ProcessId})", line);
        Assert.Contains("it looks like a live database, not a replica; check the order of the arguments (ORIGIN first, then REPLICA), or pass --force", line);
        writer.Run("INSERT INTO log VALUES (51);");
        Assert.Equal("", writer.Finish().Error);
        Assert.Equal("51|51", TestDatabase.Sqlite3Cli(live, "SELECT count(*), max(n) FROM log"));
        Assert.False(File.Exists(live + "-sqlrsync"));
    }

    [Fact]
    public void AReplicaEditedSinceTheLastSyncIsRefusedUntilForced()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        TestDatabase.Sqlite3Cli(replica, "INSERT INTO items(name) VALUES ('written to the replica by hand')");
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var before = DirectorySnapshot.Take(_dir.Path);

        foreach (var mode in new[] { "--verbose", "--dry-run", "--check" })
        {
            var refused = SqlRsyncProgram.Run(origin, replica, mode);
            var line = SqlRsyncProgram.AssertErrorLine(refused, 1);
            Assert.Contains($"replica {replica} was changed by another program since sqlrsync last wrote it (", line);
            Assert.Contains("UTC), and a sync would undo those changes; check the order of the arguments (ORIGIN first, then REPLICA), or pass --force", line);
        }
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);

        var forced = SqlRsyncProgram.Run(origin, replica, "--force");
        Assert.True(forced.ExitCode == 0, forced.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);
        TestDatabase.Change(origin, Situation.OriginGrew);
        var next = SqlRsyncProgram.Run(origin, replica);
        Assert.True(next.ExitCode == 0, next.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    [SkippableFact]
    public void ARemoteReplicaEditedSinceTheLastSyncIsRefused()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var replica = _dir.File("remote.db");
        TestDatabase.Create(origin, rows: 1000);
        string[] ssh = ["--ssh", server.Ssh.SshCommand, "--exe", server.Ssh.Exe];
        Assert.Equal(0, SqlRsyncProgram.Run([origin, $"{SshServer.Alias}:{replica}", .. ssh]).ExitCode);
        TestDatabase.Sqlite3Cli(replica, "DELETE FROM items WHERE id % 3 = 0");
        var before = File.ReadAllBytes(replica);

        var refused = SqlRsyncProgram.Run([origin, $"{SshServer.Alias}:{replica}", .. ssh]);

        var line = SqlRsyncProgram.AssertErrorLine(refused, 1);
        Assert.Contains($"{SshServer.Alias}: replica {replica} was changed by another program since sqlrsync last wrote it", line);
        Assert.Equal(before, File.ReadAllBytes(replica));
        Assert.Equal(0, SqlRsyncProgram.Run([origin, $"{SshServer.Alias}:{replica}", "--force", .. ssh]).ExitCode);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    [Fact]
    public void RepeatedSyncsIntoAReplicaThatOthersReadCheckpointAndCopyNeedNoFlag()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        using var reader = new SqliteShell(replica);

        for (int round = 0; round < 3; round++)
        {
            // A reader stays connected and checkpoints; backup tools copy the file and use SQLite's backup API.
            reader.Run("SELECT count(*) FROM items; PRAGMA wal_checkpoint(TRUNCATE);");
            File.Copy(replica, _dir.File($"copied-{round}.db"));
            TestDatabase.Sqlite3Cli(replica, $".backup '{_dir.File($"backup-{round}.db")}'");
            TestDatabase.Change(origin,
                round == 1 ? Situation.OriginShrankAfterVacuum : Situation.OnePercentChanged);

            var sync = SqlRsyncProgram.Run(origin, replica);

            Assert.True(sync.ExitCode == 0, $"round {round}: {sync.StandardError}");
        }
        Assert.Equal("", reader.Finish().Error.Trim());
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    [Fact]
    public void AWalReplicaOfARollbackJournalOriginSyncsAgainWithoutAFlag()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000, journalMode: "delete");
        TestDatabase.CreateReplica(replica, rows: 10, journalMode: "wal", seed: 2);

        for (int round = 0; round < 3; round++)
        {
            // Page 1 changes every time (new rows), and the replica keeps its WAL header bytes.
            var sync = SqlRsyncProgram.Run(origin, replica);
            Assert.True(sync.ExitCode == 0, $"round {round}: {sync.StandardError}");
            TestDatabase.Change(origin, Situation.OriginGrew);
        }
        Assert.Equal("wal", TestDatabase.Sqlite3Cli(replica, "PRAGMA journal_mode"));
    }

    [Fact]
    public void AFirstSyncIntoACopyMadeWithCpTakesForceOnce()
    {
        var origin = _dir.File("origin.db");
        var copy = _dir.File("copy.db");
        TestDatabase.Create(origin, rows: 2000);
        TestDatabase.Checkpoint(origin);
        File.Copy(origin, copy);
        TestDatabase.Change(origin, Situation.ThirtyPercentChanged);
        var before = DirectorySnapshot.Take(_dir.Path);

        var refused = SqlRsyncProgram.Run(origin, copy);

        Assert.Contains($"replica {copy} holds a database that sqlrsync never wrote (no copy.db-sqlrsync beside it)",
            SqlRsyncProgram.AssertErrorLine(refused, 1));
        Assert.Contains("if it is a copy of the origin (made by cp or sqlite3_rsync), pass --force once to take it over as a replica", refused.StandardError);
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
        var forced = SqlRsyncProgram.Run(origin, copy, "--force");
        Assert.True(forced.ExitCode == 0, forced.StandardError);
        TestDatabase.AssertSynced(origin, copy, 4096);
        Assert.StartsWith("sqlrsync replica state 1\n", File.ReadAllText(copy + "-sqlrsync"));
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var next = SqlRsyncProgram.Run(origin, copy);
        Assert.True(next.ExitCode == 0, next.StandardError);
    }

    /// <summary>
    /// `sqlite3 live.db "create table important(x)"; sqlrsync old-copy.db live.db` with no process
    /// holding live.db at that moment: refused, whether old-copy.db is a replica sqlrsync made (its
    /// record beside it) or a copy made with cp, in either journal mode; the table is still there.
    /// </summary>
    [Theory]
    [InlineData("wal", true)]
    [InlineData("wal", false)]
    [InlineData("delete", true)]
    [InlineData("delete", false)]
    public void SwappedArgumentsOntoALiveDatabaseNoProcessHasOpenAreRefused(string journalMode, bool oldCopyIsAReplica)
    {
        var live = _dir.File("live.db");
        var oldCopy = _dir.File("old-copy.db");
        TestDatabase.Create(live, rows: 500, journalMode: journalMode);
        if (oldCopyIsAReplica)
        {
            Assert.Equal(0, SqlRsyncProgram.Run(live, oldCopy).ExitCode);
        }
        else
        {
            TestDatabase.Checkpoint(live);
            File.Copy(live, oldCopy);
        }
        TestDatabase.Sqlite3Cli(live, "CREATE TABLE important(x); INSERT INTO important VALUES (42)");
        var before = DirectorySnapshot.Take(_dir.Path);

        var swapped = SqlRsyncProgram.Run(oldCopy, live);

        var line = SqlRsyncProgram.AssertErrorLine(swapped, 1);
        Assert.Contains($"replica {live} holds a database that sqlrsync never wrote", line);
        Assert.Contains("check the order of the arguments (ORIGIN first, then REPLICA)", line);
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
        Assert.Equal("42", TestDatabase.Sqlite3Cli(live, "SELECT x FROM important"));
    }

    /// <summary>An empty file, or none, is no database to protect: the first sync needs no flag.</summary>
    [Fact]
    public void AnEmptyReplicaFileNeedsNoFlag()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 300);
        File.WriteAllBytes(replica, []);

        var sync = SqlRsyncProgram.Run(origin, replica);

        Assert.True(sync.ExitCode == 0, sync.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }
}
