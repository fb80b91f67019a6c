namespace SqlRsync.Protocol.Messages;

/// <summary>
/// Committed: the replica's last word, once its commit is durable — its hashing figures, so that the
/// origin can report both sides' rates.
/// </summary>
internal readonly record struct Committed(HashingFigures ReplicaHashing)
{
    public void WriteTo(FrameWriter writer)
    {
        Span<byte> payload = stackalloc byte[HashingFigures.Length];
        ReplicaHashing.Write(payload);
        writer.Write(MessageType.Committed, payload);
    }

    public static Committed Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.Committed);
        var figures = HashingFigures.Read(ref reader);
        reader.End();
        return new Committed(figures);
    }
}
