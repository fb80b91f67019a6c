namespace SqlRsync.Protocol.Messages;

/// <summary>
/// ReplicaWaiting (no payload): another process holds the replica's write lock, and the replica waits
/// for it, up to its busy timeout. Sent before ReplicaInfo, at most once, and only to an origin whose
/// hello announced <see cref="Capabilities.WaitNotice"/>: it lets the side the user watches say what
/// the sync waits for.
/// </summary>
internal readonly record struct ReplicaWaiting
{
    /// <summary>Writes the message; it has no fields, so no instance is needed.</summary>
    public static void WriteTo(FrameWriter writer) => writer.Write(MessageType.ReplicaWaiting, []);

    public static ReplicaWaiting Parse(ReadOnlySpan<byte> payload)
    {
        new PayloadReader(payload, MessageType.ReplicaWaiting).End();
        return default;
    }
}
