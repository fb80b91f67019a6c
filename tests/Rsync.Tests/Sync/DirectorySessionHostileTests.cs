using SqlRsync.Directories;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Tests.Support;

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

    /// <summary>Runs the agent's side over the frames <paramref name="frames"/> writes; what it answered.</summary>
    private static byte[] Serve(string directory, Action<FrameWriter> frames)
    {
        var input = new MemoryStream();
        var writer = new FrameWriter(input);
        frames(writer);
        writer.Flush();
        var output = new MemoryStream();
        DirectorySession.Serve(directory, isOrigin: false, new MemoryStream(input.ToArray()), output, new SyncOptions());
        return output.ToArray();
    }
}
