using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Tests.Support;
using SqlRsync.Topologies;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// A directory agent fed a hostile client's frames: a name that climbs out, is absolute or has a control
/// character is refused before anything is opened; a name through a symbolic link out of the directory
/// is refused and nothing is made outside it.
/// </summary>
public sealed class DirectorySessionHostileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("../escape.db")]
    [InlineData("sub/../../escape.db")]
    [InlineData("/tmp/escape.db")]
    [InlineData("new\nline.db")]
    [InlineData("")]
    public void NamesThatAreNoPlainRelativePathAreRefused(string name)
    {
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        var before = DirectorySnapshot.Take(_dir.Path);

        var error = Assert.Throws<SyncException>(() => Serve(replica, writer => SessionMessages.WriteStart(writer, name)));

        Assert.Equal(SyncFailure.Protocol, error.Reason);
        Assert.Contains("is not a plain relative path", error.Message);
        DirectorySnapshot.AssertUnchanged(before, _dir.Path);
        Assert.False(File.Exists("/tmp/escape.db"));
    }

    [Fact]
    public void ANameThroughALinkOutOfTheDirectoryIsRefused()
    {
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        var outside = Directory.CreateDirectory(_dir.File("outside")).FullName;
        File.CreateSymbolicLink(Path.Combine(replica, "link"), outside);

        var answer = Serve(replica, writer =>
        {
            SessionMessages.WriteStart(writer, "link/new/x.db");
            writer.Write(MessageType.DatabaseEnd, []);
            writer.Write(MessageType.SessionEnd, []);
        });

        // The agent answers with its hello and an Error that says why, then its DatabaseEnd.
        var frames = Transcript.Frames(answer);
        var error = frames.Single(frame => frame[0] == (byte)MessageType.Error);
        Assert.Contains("link/new/x.db leads out of", System.Text.Encoding.UTF8.GetString(error, 6, error.Length - 6));
        Assert.Equal((byte)MessageType.DatabaseEnd, frames[^1][0]);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    /// <summary>
    /// A client that sends delete requests (with the force bit) for names of its own choosing: the agent
    /// deletes only a database it listed in this session, never another kind of file, never a file kept
    /// beside a database (a live database's -wal holds its committed transactions), never one in use.
    /// </summary>
    [Fact]
    public void ADeleteRequestTakesOnlyADatabaseTheAgentListed()
    {
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        File.WriteAllText(Path.Combine(replica, "notes.txt"), "notes");
        File.WriteAllText(Path.Combine(replica, "app.conf"), "conf");
        TestDatabase.Create(Path.Combine(replica, "gone.db"), rows: 10);
        TestDatabase.Create(Path.Combine(replica, "unlisted.db"), rows: 10);
        var live = Path.Combine(replica, "live.db");
        TestDatabase.Sqlite3Cli(live, "PRAGMA journal_mode=wal; CREATE TABLE important(x)");
        using var writer = new SqliteShell(live);
        writer.Run("PRAGMA wal_autocheckpoint=0; INSERT INTO important VALUES (1);");
        string[] requests = ["notes.txt", "app.conf", "live.db-wal", "live.db-shm", "live.db", "gone.db"];

        var answer = Serve(replica, frames =>
        {
            // Asked for before the agent listed anything.
            SessionMessages.WriteDelete(frames, "unlisted.db", force: true, dryRun: false);
            SessionMessages.WriteListRequest(frames, recursive: false);
            foreach (var name in requests)
            {
                SessionMessages.WriteDelete(frames, name, force: true, dryRun: false);
            }
            frames.Write(MessageType.SessionEnd, []);
        });

        var errors = Transcript.Frames(answer).Where(frame => frame[0] == (byte)MessageType.Error)
            .Select(frame => System.Text.Encoding.UTF8.GetString(frame, 6, frame.Length - 6)).ToList();
        Assert.Contains(errors, error => error.StartsWith("unlisted.db not deleted: it is not a database this agent listed in this session",
            StringComparison.Ordinal));
        Assert.Contains(errors, error => error.StartsWith("notes.txt not deleted: it is not a database this agent listed", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.StartsWith("app.conf not deleted: it is not a database this agent listed", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.StartsWith("live.db-wal not deleted: it is not a database this agent listed", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.Contains("live.db is open in another process"));
        Assert.True(File.Exists(Path.Combine(replica, "notes.txt")) && File.Exists(Path.Combine(replica, "app.conf"))
            && File.Exists(Path.Combine(replica, "unlisted.db")));
        Assert.True(File.Exists(live + "-wal"));
        Assert.False(File.Exists(Path.Combine(replica, "gone.db")), "a listed database, forced, is deleted");
        writer.Run("INSERT INTO important VALUES (2);");
        Assert.Equal("", writer.Finish().Error);
        Assert.Equal("2", TestDatabase.Sqlite3Cli(live, "SELECT count(*) FROM important"));
    }

    [Fact]
    public void AnAgentThatMayNotDeleteDeletesNothing()
    {
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        TestDatabase.Create(Path.Combine(replica, "gone.db"), rows: 10);
        var before = DirectorySnapshot.Take(replica);

        var answer = Serve(replica, frames =>
        {
            SessionMessages.WriteListRequest(frames, recursive: false);
            SessionMessages.WriteDelete(frames, "gone.db", force: true, dryRun: false);
            frames.Write(MessageType.SessionEnd, []);
        }, mayDelete: false);

        var error = Transcript.Frames(answer).Single(frame => frame[0] == (byte)MessageType.Error);
        Assert.StartsWith("gone.db not deleted: this key may not delete (its --serve line has no --allow-delete)",
            System.Text.Encoding.UTF8.GetString(error, 6, error.Length - 6));
        DirectorySnapshot.AssertUnchanged(before, replica);
    }

    /// <summary>Runs the agent's side over the frames <paramref name="frames"/> writes; what it answered.</summary>
    private static byte[] Serve(string directory, Action<FrameWriter> frames, bool mayDelete = true)
    {
        var input = new MemoryStream();
        var writer = new FrameWriter(input);
        frames(writer);
        writer.Flush();
        var output = new MemoryStream();
        DirectorySession.Serve(directory, isOrigin: false, new MemoryStream(input.ToArray()), output, new SyncOptions(), mayDelete);
        return output.ToArray();
    }
}
