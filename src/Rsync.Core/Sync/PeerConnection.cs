using Rsync.Protocol;
using Rsync.Protocol.Messages;

namespace Rsync.Core.Sync;

/// <summary>
/// One side's end of a sync conversation: frames in and out, the hello exchange, and telling the
/// peer why we gave up.
/// </summary>
internal sealed class PeerConnection(Stream input, Stream output, Role role)
{
    private bool _helloSent;

    public FrameReader Reader { get; } = new(input);

    public FrameWriter Writer { get; } = new(output);

    /// <summary>
    /// Sends our hello (and whatever <paramref name="then"/> writes right after it, in the same
    /// flush), reads the peer's hello, and returns the options both asked for.
    /// </summary>
    public SyncOptions ExchangeHello(SyncSettings settings, Action<FrameWriter>? then = null)
    {
        var mine = SyncOptions.None;
        if (settings.WalOnly)
        {
            mine |= SyncOptions.WalOnly;
        }
        if (settings.Compress)
        {
            mine |= SyncOptions.Compress;
        }
        if (settings.DryRun)
        {
            mine |= SyncOptions.DryRun;
        }
        if (settings.Force)
        {
            mine |= SyncOptions.Force;
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
        var options = mine | hello.Options;
        if ((hello.Capabilities & Capabilities.Brotli) == 0)
        {
            options &= ~SyncOptions.Compress;
        }
        if (options.HasFlag(SyncOptions.DryRun) && !hello.Capabilities.HasFlag(Capabilities.DryRun))
        {
            throw new SyncException("the other side's sqlrsync cannot do a dry run (--dry-run, --check); install the same release on both sides");
        }
        return options;
    }

    /// <summary>The next frame, which must be of <paramref name="type"/>; a peer's Error becomes a PeerErrorException.</summary>
    public ReadOnlyMemory<byte> Expect(MessageType type)
    {
        var (actual, payload) = Reader.Read();
        ExpectedFrame.Check(actual, type, payload.Span);
        return payload;
    }

    /// <summary>
    /// Turns a failure of our side into the exception to throw, first telling the peer why we stop
    /// (unless the failure is the peer's own Error).
    /// </summary>
    public Exception Fail(Exception error, string database, TimeSpan busyTimeout)
    {
        var failure = error is Sqlite.SqliteError sqlite
            ? FailureText.ForDatabase(role.ToString().ToLowerInvariant(), database, sqlite, busyTimeout)
            : FailureText.Normalize(error);
        if (failure is not PeerErrorException)
        {
            TrySendError(failure.Message);
        }
        return failure;
    }

    /// <summary>Best effort: tells the peer why we stop. The peer may be gone already.</summary>
    private void TrySendError(string message)
    {
        try
        {
            if (!_helloSent)
            {
                SendHello(SyncOptions.None);
            }
            ErrorMessage.Write(Writer, message);
            Writer.Flush();
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void SendHello(SyncOptions options)
    {
        new Hello(Hello.CurrentVersion, role, HashAlgorithm.Xxh3_128, Capabilities.Brotli | Capabilities.DryRun, options).WriteTo(Writer);
        _helloSent = true;
    }
}
