using System.IO.Pipelines;
using SqlRsync.Dialects;
using SqlRsync.Links;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// The archive store session, in process: its messages and their limits, and the agent's side facing a
/// client that sends what no sqlrsync would (keys that climb out, bytes under a name they do not hash to,
/// garbled frames, another version). A refused request is answered and the session goes on; a garbled
/// one ends it; nothing is written either way.
/// </summary>
public sealed class ArchiveStoreProtocolTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void MessagesReadBackAndRefuseWhatNoKeyOrFlagCanBe()
    {
        var (writer, reader, _, _) = Loop();
        StoreMessages.WriteGet(writer, "packs/ab/cd", 7, 4096);
        StoreMessages.WriteNames(writer, [("config", 101), ("snapshots/x", 236)]);
        writer.Flush();

        var (type, payload) = reader.Read();
        Assert.Equal(MessageType.ObjectGet, type);
        Assert.Equal(("packs/ab/cd", 7ul, 4096u), StoreMessages.ReadGet(payload.Span));
        var names = new List<(string, long)>();
        StoreMessages.ReadNames(reader.Read().Payload.Span, names);
        Assert.Equal([("config", 101L), ("snapshots/x", 236L)], names);
        Assert.True(StoreMessages.ReadEnd(reader.Read().Payload.Span));

        Assert.Throws<ProtocolException>(() => StoreMessages.ReadKeyed("a\nb"u8, MessageType.ObjectPut));
        Assert.Throws<ProtocolException>(() => StoreMessages.ReadKeyed(""u8, MessageType.ObjectDelete));
        Assert.Equal("", StoreMessages.ReadKeyed(""u8, MessageType.ObjectList));
        Assert.Throws<ProtocolException>(() => StoreMessages.ReadKeyed(new byte[201].Select(_ => (byte)'a').ToArray(), MessageType.ObjectPut));
        Assert.Throws<ProtocolException>(() => StoreMessages.ReadOpen([5, 0, 2]));
        Assert.Throws<ProtocolException>(() => StoreMessages.ReadReady([4]));
        Assert.Throws<ProtocolException>(() => StoreMessages.ReadLock([2, 0, 0, 0, 0]));
        Assert.Throws<ProtocolException>(() => StoreMessages.ReadEnd([2]));
        var cut = new List<(string, long)>();
        Assert.Throws<ProtocolException>(() => StoreMessages.ReadNames([1, 0, 0, 0, 0, 0, 0, 0, 5, (byte)'a'], cut));
    }

    [Fact]
    public void RefusedRequestsAreAnsweredAndTheSessionGoesOn()
    {
        var archive = _dir.File("archive");
        using var session = Session.Start(archive, mayCreate: true, mayDelete: false, create: true);

        Assert.Contains("--append-only", session.Refusal(w => StoreMessages.WriteKeyed(w, MessageType.ObjectDelete, "config")));
        Assert.Contains("--append-only", session.Refusal(w => w.Write(MessageType.StoreCleanup, [])));
        Assert.Contains("not a valid object key", session.Refusal(w => StoreMessages.WriteGet(w, "../outside", 0, StoreMessages.ToTheEnd)));
        Assert.Contains("no object an archive holds", session.Refusal(w => Put(w, "packs/00/" + new string('0', 64), [1, 2, 3])));
        Assert.Contains("no object an archive holds", session.Refusal(w => Put(w, "index/" + new string('1', 64), [1, 2, 3])));
        Assert.Contains("no object an archive holds", session.Refusal(w => Put(w, "snapshots/not-a-name", [1, 2, 3])));

        // Still serving: an object the archive may hold is created once, and never replaced.
        Assert.True(session.Answer(w => Put(w, "config", "one"u8.ToArray())));
        Assert.False(session.Answer(w => Put(w, "config", "two"u8.ToArray())));
        Assert.Equal("one", File.ReadAllText(Path.Combine(archive, "config")));
        session.End();
        Assert.Equal(["config"], Directory.GetFiles(archive, "*", SearchOption.AllDirectories).Select(Path.GetFileName));
    }

    [Fact]
    public void ASessionMovesFromArchiveToArchiveUnderItsDirectoryAndNeverThroughALink()
    {
        var root = _dir.File("root");
        var elsewhere = _dir.File("elsewhere");
        Directory.CreateDirectory(elsewhere);
        using var session = Session.Start(root, mayCreate: true, mayDelete: true, create: true);
        Directory.CreateDirectory(Path.Combine(root, "tenants"));
        File.CreateSymbolicLink(Path.Combine(root, "planted"), elsewhere);

        Assert.Equal(MessageType.StoreReady, session.Reply(w => StoreMessages.WriteSelect(w, "tenants/a.db", create: true)).Type);
        Assert.True(session.Answer(w => Put(w, "config", "a"u8.ToArray())));
        Assert.Equal(MessageType.StoreReady, session.Reply(w => StoreMessages.WriteSelect(w, "more/deep/b.db", create: true)).Type);
        Assert.True(session.Answer(w => Put(w, "config", "b"u8.ToArray())));
        // A missing archive is not made without being asked to, and a link on the way is refused; the session goes on.
        Assert.Contains("does not exist", session.Refusal(w => StoreMessages.WriteSelect(w, "c.db", create: false)), StringComparison.Ordinal);
        Assert.Contains("leads out of", session.Refusal(w => StoreMessages.WriteSelect(w, "planted/d.db", create: true)), StringComparison.Ordinal);
        Assert.Contains("leads out of", session.Refusal(w => StoreMessages.WriteSelect(w, "planted", create: true)), StringComparison.Ordinal);
        Assert.Equal(MessageType.StoreReady, session.Reply(w => StoreMessages.WriteSelect(w, "tenants/a.db", create: false)).Type);
        Assert.False(session.Answer(w => Put(w, "config", "again"u8.ToArray())));
        session.End();

        Assert.Equal("a", File.ReadAllText(Path.Combine(root, "tenants", "a.db", "config")));
        Assert.Equal("b", File.ReadAllText(Path.Combine(root, "more", "deep", "b.db", "config")));
        Assert.False(Directory.Exists(Path.Combine(root, "c.db")));
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));

        // A name that climbs out is no name at all: the session ends there.
        using var garbled = Session.Start(root, mayCreate: true, mayDelete: true, create: false);
        StoreMessages.WriteSelect(garbled.Writer, "../x", create: true);
        garbled.Writer.Flush();
        Assert.Contains("not a plain relative path", Assert.IsType<SyncException>(garbled.Ended()).Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("x")));
    }

    [Fact]
    public void AGarbledSessionEndsWithoutWritingAndAnotherVersionIsNamed()
    {
        var archive = _dir.File("archive");
        using (var session = Session.Start(archive, mayCreate: true, mayDelete: true, create: true))
        {
            StoreMessages.WriteKeyed(session.Writer, MessageType.ObjectPut, "config");
            session.Writer.Write(MessageType.Page, new byte[16]);
            session.Writer.Flush();
            var failure = Assert.IsType<SyncException>(session.Ended());
            Assert.Contains("expected an object's chunks, got Page", failure.Message, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.GetFiles(archive, "*", SearchOption.AllDirectories));

        var client = Loop();
        var agent = Loop();
        StoreMessages.WriteOpen(client.Writer, 4, create: false);
        client.Writer.Flush();
        var refused = Assert.Throws<SyncException>(() => ArchiveStoreServer.Serve(archive, client.Reads, agent.Writes, true, true));
        Assert.Contains("this sqlrsync speaks version 5, the peer speaks version 4", refused.Message, StringComparison.Ordinal);
        Assert.Equal(MessageType.Error, agent.Reader.Read().Type);
    }

    private static void Put(FrameWriter writer, string key, byte[] data)
    {
        StoreMessages.WriteKeyed(writer, MessageType.ObjectPut, key);
        writer.Write(MessageType.ObjectChunk, data);
        StoreMessages.WriteEnd(writer, false);
    }

    /// <summary>A writer and a reader joined by an in-memory pipe, with the streams under them.</summary>
    private static (FrameWriter Writer, FrameReader Reader, Stream Writes, Stream Reads) Loop()
    {
        var pipe = InMemoryPipe.Create();
        var writes = pipe.Writer.AsStream();
        var reads = pipe.Reader.AsStream();
        return (new FrameWriter(writes), new FrameReader(reads), writes, reads);
    }

    /// <summary>The agent's side on a thread, spoken to frame by frame.</summary>
    private sealed class Session : IDisposable
    {
        private readonly Task _agent;
        private readonly FrameReader _fromAgent;
        private readonly Pipe _toAgent;

        private Session(Task agent, Pipe toAgent, FrameWriter writer, FrameReader fromAgent)
        {
            _agent = agent;
            _toAgent = toAgent;
            Writer = writer;
            _fromAgent = fromAgent;
        }

        public FrameWriter Writer { get; }

        public static Session Start(string archive, bool mayCreate, bool mayDelete, bool create)
        {
            var toAgent = InMemoryPipe.Create();
            var fromAgent = InMemoryPipe.Create();
            var output = fromAgent.Writer.AsStream();
            var agent = Task.Run(() =>
            {
                try
                {
                    ArchiveStoreServer.Serve(archive, toAgent.Reader.AsStream(), output, mayCreate, mayDelete);
                }
                finally
                {
                    output.Dispose();
                }
            });
            var session = new Session(agent, toAgent, new FrameWriter(toAgent.Writer.AsStream()), new FrameReader(fromAgent.Reader.AsStream()));
            StoreMessages.WriteOpen(session.Writer, Hello.CurrentVersion, create);
            session.Writer.Flush();
            Assert.Equal(MessageType.StoreReady, session._fromAgent.Read().Type);
            return session;
        }

        /// <summary>The agent's ObjectEnd flag for what <paramref name="request"/> sends.</summary>
        public bool Answer(Action<FrameWriter> request)
        {
            request(Writer);
            Writer.Flush();
            var (type, payload) = _fromAgent.Read();
            Assert.Equal(MessageType.ObjectEnd, type);
            return StoreMessages.ReadEnd(payload.Span);
        }

        /// <summary>The agent's answer to what <paramref name="request"/> sends.</summary>
        public (MessageType Type, ReadOnlyMemory<byte> Payload) Reply(Action<FrameWriter> request)
        {
            request(Writer);
            Writer.Flush();
            return _fromAgent.Read();
        }

        /// <summary>The agent's reason for refusing what <paramref name="request"/> sends.</summary>
        public string Refusal(Action<FrameWriter> request)
        {
            request(Writer);
            Writer.Flush();
            var (type, payload) = _fromAgent.Read();
            Assert.Equal(MessageType.Error, type);
            return Error.Parse(payload.Span).Text;
        }

        public void End()
        {
            Writer.Write(MessageType.SessionEnd, []);
            Writer.Flush();
            Assert.True(_agent.Wait(TimeSpan.FromSeconds(30)));
        }

        /// <summary>How the agent ended (null: it ended well), waiting at most 30 s.</summary>
        public Exception? Ended()
        {
            try
            {
                Assert.True(_agent.Wait(TimeSpan.FromSeconds(30)));
                return null;
            }
            catch (AggregateException e)
            {
                return e.InnerException;
            }
        }

        public void Dispose()
        {
            _toAgent.Writer.Complete();
            Ended();
        }
    }
}
