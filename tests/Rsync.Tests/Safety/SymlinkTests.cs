using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Safety;

/// <summary>
/// A replica or origin path that is a symbolic link is followed only where the kernel's
/// protected_symlinks rule would follow it: the link is the user's own, or belongs to the owner of
/// the directory that holds it. A link another user planted in a shared directory, leading to a
/// database of the user's in a private directory, is refused with one line, --force or not.
/// </summary>
public sealed class SymlinkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void ALinkAnotherUserPlantedInASharedDirectoryIsNotFollowed(bool force)
    {
        using var attacker = new OtherUser();
        Skip.If(attacker.Unavailable is not null, attacker.Unavailable);
        var shared = OtherUser.SharedDirectory(_dir, "shared");
        var secret = Directory.CreateDirectory(_dir.File("private")).FullName;
        File.SetUnixFileMode(secret, (UnixFileMode)0x1C0);  // 0700
        var important = Path.Combine(secret, "important.db");
        var earlier = _dir.File("earlier.db");
        TestDatabase.Sqlite3Cli(earlier, "CREATE TABLE important(x); INSERT INTO important VALUES (42)");
        // A replica of root's, with its record: the guard alone would let a sync overwrite it.
        Assert.Equal(0, SqlRsyncProgram.Run(earlier, important).ExitCode);
        var origin = _dir.File("a.db");
        TestDatabase.Create(origin, rows: 300);
        attacker.Run("ln", "-s", important, Path.Combine(shared, "app.db"));
        var before = DirectorySnapshot.Take(secret);

        string[] arguments = force ? [origin, Path.Combine(shared, "app.db"), "--force"] : [origin, Path.Combine(shared, "app.db")];
        var line = SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(arguments), 1);
        var pulled = SqlRsyncProgram.Run(Path.Combine(shared, "app.db"), _dir.File("copy.db"));

        Assert.Contains($"replica {Path.Combine(shared, "app.db")} is refused: {Path.Combine(shared, "app.db")} is a symbolic link of another user's", line);
        Assert.Contains("sqlrsync follows a link only when you or the directory's owner made it", line);
        Assert.Contains("is refused:", SqlRsyncProgram.AssertErrorLine(pulled, 1));
        DirectorySnapshot.AssertUnchanged(before, secret);
        Assert.False(File.Exists(_dir.File("copy.db")));
    }

    [Fact]
    public void ALinkOfTheUsersOwnIsFollowedAndTheRecordLiesBesideTheDatabase()
    {
        var origin = _dir.File("a.db");
        TestDatabase.Create(origin, rows: 300);
        var real = Directory.CreateDirectory(_dir.File("real")).FullName;
        var link = _dir.File("backup.db");
        File.CreateSymbolicLink(link, Path.Combine(real, "backup.db"));

        var sync = SqlRsyncProgram.Run(origin, link);

        Assert.True(sync.ExitCode == 0, sync.StandardError);
        TestDatabase.AssertSynced(origin, Path.Combine(real, "backup.db"), 4096);
        Assert.True(File.Exists(Path.Combine(real, "backup.db-sqlrsync")));
        Assert.Equal(0, SqlRsyncProgram.Run(origin, link).ExitCode);
    }
}
