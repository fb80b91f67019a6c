using SqlRsync.Engine;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Dialects;

/// <summary>
/// One side's end of a sync conversation: frames in and out, the hello exchange, and telling the
/// peer why we gave up.
/// </summary>
internal sealed class SqlRsyncConversation(FrameReader reader, FrameWriter writer, Role role)
{
    private bool _helloSent;

    public SqlRsyncConversation(Stream input, Stream output, Role role)
        : this(new FrameReader(input), new FrameWriter(output), role)
    {
    }

    public FrameReader Reader { get; } = reader;

    public FrameWriter Writer { get; } = writer;

    /// <summary>What the peer's hello said it can do.</summary>
    public Capabilities PeerCapabilities { get; private set; }

    /// <summary>Whether the replica sends its upper levels unasked and answers leaf checks: both sides announce it (we always do).</summary>
    public bool EagerHashes => PeerCapabilities.HasFlag(Capabilities.EagerHashes);

    /// <summary>
    /// Sends our hello (and whatever <paramref name="then"/> writes right after it, in the same
    /// flush), reads the peer's hello, and returns the options both asked for.
    /// </summary>
    public OptionFlags ExchangeHello(SyncOptions options, Action<FrameWriter>? then = null)
    {
        var mine = OptionFlags.None;
        if (options.WalOnly)
        {
            mine |= OptionFlags.WalOnly;
        }
        if (options.Compress == true)
        {
            mine |= OptionFlags.Compress;
        }
        if (options.Delta == true)
        {
            mine |= OptionFlags.Delta;
        }
        if (options.DryRun)
        {
            mine |= OptionFlags.DryRun;
        }
        if (options.Force)
        {
            mine |= OptionFlags.Force;
        }
        SendHello(mine);
        then?.Invoke(Writer);
        Writer.Flush();

        var hello = Hello.Parse(Expect(MessageType.Hello).Span);
        var expectedPeer = role == Role.Origin ? Role.Replica : Role.Origin;
        if (hello.Role != expectedPeer)
        {
            throw new ProtocolException($"the peer is also the {role.ToString().ToLowerInvariant()}; one side must be the origin and the other the replica");
        }
        PeerCapabilities = hello.Capabilities;
        var agreed = mine | hello.Options;
        if ((hello.Capabilities & Capabilities.Brotli) == 0)
        {
            agreed &= ~OptionFlags.Compress;
        }
        if ((hello.Capabilities & Capabilities.Delta) == 0)
        {
            agreed &= ~OptionFlags.Delta;
        }
        if (agreed.HasFlag(OptionFlags.DryRun) && !hello.Capabilities.HasFlag(Capabilities.DryRun))
        {
            throw new SyncException(SyncFailure.Incompatible,
                "the other side's sqlrsync cannot do a dry run (--dry-run, --check); install the same release on both sides");
        }
        return agreed;
    }

    /// <summary>The next frame, which must be of <paramref name="type"/>; a peer's Error becomes a PeerErrorException.</summary>
    public ReadOnlyMemory<byte> Expect(MessageType type)
    {
        var (actual, payload) = Reader.Read();
        ExpectedFrame.Check(actual, type, payload.Span);
        return payload;
    }

    /// <summary>What <paramref name="run"/> saw, with the bytes this connection carried.</summary>
    public SyncResult ResultOf(SyncRun run) => run.ToResult(Writer.BytesWritten, Reader.BytesRead);

    /// <summary>Runs one side's conversation; a failure ends as <see cref="SideRun"/> says, the peer told in an Error message.</summary>
    public SyncResult Run(string database, TimeSpan busyTimeout, Func<SyncResult> side, Action undo) =>
        SideRun.Run(role.ToString().ToLowerInvariant(), database, busyTimeout, side, undo, TrySendError);

    /// <summary>Best effort: tells the peer why we stop. The peer may be gone already.</summary>
    public void TrySendError(SyncException failure)
    {
        try
        {
            if (!_helloSent)
            {
                SendHello(OptionFlags.None);
            }
            new Error((byte)failure.Reason, failure.Message).WriteTo(Writer);
            Writer.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private void SendHello(OptionFlags options)
    {
        new Hello(Hello.CurrentVersion, role, HashAlgorithm.Xxh3_128,
            Capabilities.Brotli | Capabilities.DryRun | Capabilities.WaitNotice | Capabilities.Delta | Capabilities.EagerHashes, options).WriteTo(Writer);
        _helloSent = true;
    }
}
