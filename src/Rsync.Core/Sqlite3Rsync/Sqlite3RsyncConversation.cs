using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Protocol.Sqlite3Rsync;
using SqlRsync.Roles;

namespace SqlRsync.Sqlite3Rsync;

/// <summary>
/// One side's end of a conversation in sqlite3_rsync's protocol: its messages in and out, the peer's
/// ERROR turned into our failure, and ours sent as an ERROR the peer shows (sqlite3_rsync prints it).
/// </summary>
internal sealed class Sqlite3RsyncConversation(Stream input, Stream output, bool isReplica)
{
    public Sqlite3RsyncReader Reader { get; } = new(input);

    public Sqlite3RsyncWriter Writer { get; } = new(output);

    /// <summary>Texts the peer sent in MSG messages (sqlite3_rsync sends them under --commcheck only).</summary>
    public List<string> PeerMessages { get; } = [];

    /// <summary>
    /// The next message code, with the peer's MSG messages collected and its ERROR thrown; null when the
    /// peer closed the connection between messages.
    /// </summary>
    public Sqlite3RsyncMessage? Next()
    {
        while (true)
        {
            var code = Reader.ReadCode();
            switch (code)
            {
                case Sqlite3RsyncMessage.OriginMessage when isReplica:
                case Sqlite3RsyncMessage.ReplicaMessage when !isReplica:
                    PeerMessages.Add(Reader.ReadText());
                    continue;
                case Sqlite3RsyncMessage.OriginError when isReplica:
                case Sqlite3RsyncMessage.ReplicaError when !isReplica:
                    throw new PeerErrorException((byte)SyncFailure.Other, Reader.ReadText());
                case Sqlite3RsyncMessage c when IsFromOrigin(c) != isReplica:
                    throw new ProtocolException($"the peer sent {c} (0x{(byte)c:x2}), a message of the {(isReplica ? "replica" : "origin")} side, {Reader.BytesRead} bytes into the conversation");
                default:
                    return code;
            }
        }
    }

    /// <summary>Like <see cref="Next"/>, but the peer may not close the connection here.</summary>
    public Sqlite3RsyncMessage Expect() => Next() ?? throw new ProtocolException("the peer closed the connection");

    /// <summary>
    /// Runs one side's conversation: on failure, <paramref name="undo"/> runs first (a replica rolls
    /// back), then the peer is told why in an ERROR message, and the failure is thrown as a
    /// SyncException. <paramref name="undo"/> also runs after success.
    /// </summary>
    public SyncResult Run(string database, TimeSpan busyTimeout, Func<SyncResult> side, Action undo)
    {
        try
        {
            return side();
        }
        catch (Exception e)
        {
            undo();
            var failure = e is Sqlite.SqliteCallException sqlite
                ? FailureText.ForDatabase(isReplica ? "replica" : "origin", database, sqlite, busyTimeout)
                : FailureText.Normalize(e);
            if (failure is SyncException ours && !FailureText.IsRelayed(ours))
            {
                TrySendError(ours.Message);
            }
            if (failure == e)
            {
                throw;
            }
            throw failure;
        }
        finally
        {
            undo();
        }
    }

    private void TrySendError(string message)
    {
        try
        {
            Writer.Write(isReplica ? Sqlite3RsyncMessage.ReplicaError : Sqlite3RsyncMessage.OriginError);
            Writer.WriteText(message);
            Writer.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static bool IsFromOrigin(Sqlite3RsyncMessage code) => (byte)code < 0x60;
}
