using System.Diagnostics;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Tests.Support;

/// <summary>
/// An archive store session spoken frame by frame over ssh, with none of the client's own checks: what
/// a hostile client holding a restricted key could send. Each request returns the agent's answer, or
/// throws the agent's refusal (<see cref="PeerErrorException"/>).
/// </summary>
public sealed class RawArchiveStore : IDisposable
{
    private readonly Process _ssh;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;

    private RawArchiveStore(Process ssh)
    {
        _ssh = ssh;
        _reader = new FrameReader(ssh.StandardOutput.BaseStream);
        _writer = new FrameWriter(ssh.StandardInput.BaseStream);
    }

    public bool MayCreate { get; private set; }

    public bool MayDelete { get; private set; }

    /// <summary>Asks <paramref name="alias"/> (a forced-command key of <paramref name="ssh"/>) to serve the archive store <paramref name="archive"/>.</summary>
    public static RawArchiveStore Open(SshServer ssh, string alias, string archive)
    {
        var store = new RawArchiveStore(ExternalProgram.Start("ssh", ["-F", ssh.ClientConfig, alias, $"sqlrsync --archive-store '{archive}'"]));
        StoreMessages.WriteOpen(store._writer, Hello.CurrentVersion, create: false);
        var (type, payload) = store.Answer();
        Assert.Equal(MessageType.StoreReady, type);
        (store.MayCreate, store.MayDelete) = StoreMessages.ReadReady(payload.Span);
        return store;
    }

    public void Delete(string key)
    {
        StoreMessages.WriteKeyed(_writer, MessageType.ObjectDelete, key);
        Assert.Equal(MessageType.ObjectEnd, Answer().Type);
    }

    public void Cleanup()
    {
        _writer.Write(MessageType.StoreCleanup, []);
        Assert.Equal(MessageType.ObjectEnd, Answer().Type);
    }

    /// <summary>Whether the agent created the object (false: one with that key was there).</summary>
    public bool Create(string key, byte[] data)
    {
        StoreMessages.WriteKeyed(_writer, MessageType.ObjectPut, key);
        for (int at = 0; at < data.Length; at += StoreMessages.ChunkLength)
        {
            _writer.Write(MessageType.ObjectChunk, data.AsSpan(at, Math.Min(StoreMessages.ChunkLength, data.Length - at)));
        }
        StoreMessages.WriteEnd(_writer, false);
        var (type, payload) = Answer();
        Assert.Equal(MessageType.ObjectEnd, type);
        return StoreMessages.ReadEnd(payload.Span);
    }

    /// <summary>The agent's reason for refusing what <paramref name="request"/> sends.</summary>
    public static string Refusal(Action request) => Assert.Throws<PeerErrorException>(request).Message;

    public void Dispose()
    {
        _writer.Write(MessageType.SessionEnd, []);
        _writer.Flush();
        _ssh.StandardInput.Close();
        Assert.True(_ssh.WaitForExit(30_000), "the agent did not end with its session");
        _ssh.Dispose();
    }

    private (MessageType Type, ReadOnlyMemory<byte> Payload) Answer()
    {
        _writer.Flush();
        var (type, payload) = _reader.Read();
        if (type == MessageType.Error)
        {
            throw Error.Parse(payload.Span).ToException();
        }
        return (type, payload.ToArray());
    }
}
