using System.IO.Pipelines;

namespace SqlRsync.Tests.Support;

/// <summary>The bytes each side sent in one real sync, and their split into frames (type u8, length u32, payload).</summary>
public sealed record Transcript(byte[] FromOrigin, byte[] FromReplica)
{
    /// <summary>Runs a real sync of <paramref name="origin"/> into <paramref name="replica"/> and keeps every byte each side sent.</summary>
    public static Transcript Record(string origin, string replica, SyncOptions settings)
    {
        var toReplica = new Pipe();
        var toOrigin = new Pipe();
        var fromOrigin = new MemoryStream();
        var fromReplica = new MemoryStream();
        var replicaSide = Task.Run(() =>
        {
            try
            {
                Syncs.Replica(replica, toReplica.Reader.AsStream(), new TeeStream(toOrigin.Writer.AsStream(), fromReplica), settings);
            }
            finally
            {
                toOrigin.Writer.Complete();
            }
        });
        Syncs.Origin(origin, toOrigin.Reader.AsStream(), new TeeStream(toReplica.Writer.AsStream(), fromOrigin), settings);
        toReplica.Writer.Complete();
        replicaSide.GetAwaiter().GetResult();
        return new Transcript(fromOrigin.ToArray(), fromReplica.ToArray());
    }

    /// <summary>Whole frames, each with its 5-byte header.</summary>
    public static List<byte[]> Frames(byte[] bytes)
    {
        var frames = new List<byte[]>();
        for (int offset = 0; offset < bytes.Length;)
        {
            int length = 5 + (int)BitConverter.ToUInt32(bytes, offset + 1);
            frames.Add(bytes[offset..(offset + length)]);
            offset += length;
        }
        return frames;
    }

    private sealed class TeeStream(Stream first, Stream second) : WriteOnlyStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            first.Write(buffer);
            second.Write(buffer);
        }

        public override void Flush() => first.Flush();
    }
}
