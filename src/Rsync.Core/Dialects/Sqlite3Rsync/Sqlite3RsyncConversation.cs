using SqlRsync.Engine;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Protocol.Sqlite3Rsync;

namespace SqlRsync.Dialects.Sqlite3Rsync;

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
                    throw new ProtocolException($"the peer sent {c} (0x{(byte)c:x2}), a message of the {(isReplica ? "replica" : "origin")} side, " +
                        $"{Reader.BytesRead} bytes into the conversation");
                default:
                    return code;
            }
        }
    }

    /// <summary>Like <see cref="Next"/>, but the peer may not close the connection here.</summary>
    public Sqlite3RsyncMessage Expect() => Next() ?? throw new ProtocolException("the peer closed the connection");

    /// <summary>Runs one side's conversation; a failure ends as <see cref="SideRun"/> says, the peer told in an ERROR message.</summary>
    public SyncResult Run(string database, TimeSpan busyTimeout, Func<SyncResult> side, Action undo) =>
        SideRun.Run(isReplica ? "replica" : "origin", database, busyTimeout, side, undo, failure => TrySendError(failure.Message));

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
