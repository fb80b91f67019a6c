using System.Buffers.Binary;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// The replica role fed recorded origin transcripts, cut short, bit-flipped or hand-made hostile:
/// it either commits a complete valid transcript (and then equals the origin) or fails with one
/// line and leaves the replica exactly as it was.
/// </summary>
public class HostileInputTests
{
    private static readonly SyncOptions Settings = new() { BusyTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public void ReplayingAValidTranscriptCommits()
    {
        using var dir = new TempDirectory();
        var (origin, transcript) = RecordNewReplicaTranscript(dir);
        var replica = dir.File("replayed.db");

        Syncs.Replica(replica, new MemoryStream(transcript), Stream.Null, Settings);

        SyncMatrixTests.AssertSynced(origin, replica, 4096);
    }

    [Fact]
    public void TruncatedTranscriptsNeverLeaveANewReplica()
    {
        using var dir = new TempDirectory();
        var (_, transcript) = RecordNewReplicaTranscript(dir);
        var replica = dir.File("replayed.db");
        var random = new Random(1);
        var cuts = new[] { 0, 1, 5, 24, 25, 40, transcript.Length - 1, transcript.Length - 24 }
            .Concat(Enumerable.Range(0, 30).Select(_ => random.Next(transcript.Length)));

        foreach (var cut in cuts)
        {
            var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream(transcript[..cut]), Stream.Null, Settings));
            Assert.DoesNotContain('\n', error.Message);
            Assert.False(File.Exists(replica), $"a cut at byte {cut} left a replica");
            Assert.Empty(Directory.GetFiles(dir.Path, "*.sqlrsync-*"));
        }
    }

    [Fact]
    public void BitFlipsAreRejectedOrHarmlessOnAnExistingReplica()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 4000, seed: 1);
        TestDatabase.Create(replica, rows: 3000, seed: 2);
        var before = File.ReadAllBytes(replica);
        var copy = dir.File("copy.db");
        File.Copy(replica, copy);
        var transcript = Transcript.Record(origin, copy, Settings).FromOrigin;

        var random = new Random(2);
        for (int i = 0; i < 40; i++)
        {
            var mutated = (byte[])transcript.Clone();
            mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            try
            {
                Syncs.Replica(replica, new MemoryStream(mutated), Stream.Null, Settings);
                // A flip in a field that does not matter (an option or capability bit) may commit: then it must be right.
                SyncMatrixTests.AssertSynced(origin, replica, 4096);
                File.WriteAllBytes(replica, before);
                File.Delete(replica + "-sqlrsync");
            }
            catch (SyncException)
            {
                Assert.Equal(before, File.ReadAllBytes(replica));
            }
        }
    }

    [Fact]
    public void AHugeAnnouncedLengthIsRefusedBeforeReadingIt()
    {
        var frame = new byte[FrameReader.HeaderLength];
        frame[0] = (byte)MessageType.Page;
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(1), 0xFFFFFFF0);
        var error = Assert.Throws<ProtocolException>(() => new FrameReader(new MemoryStream(frame)).Read());
        Assert.Contains("over the", error.Message);

        frame[0] = 0x55;
        error = Assert.Throws<ProtocolException>(() => new FrameReader(new MemoryStream(frame)).Read());
        Assert.Contains("unknown message type 0x55", error.Message);
    }

    [Fact]
    public void HelloFromAnotherVersionOrProgramIsNamed()
    {
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        new Hello(7, Role.Origin, HashAlgorithm.Xxh3_128, Capabilities.None, OptionFlags.None).WriteTo(writer);
        writer.Flush();
        using var dir = new TempDirectory();
        var error = Assert.Throws<SyncException>(() => Syncs.Replica(dir.File("x.db"), new MemoryStream(stream.ToArray()), Stream.Null, Settings));
        Assert.Contains("speaks version 2, the peer speaks version 7", error.Message);
        Assert.Equal(SyncFailure.Protocol, error.Reason);

        var junk = "Welcome to db2!\n"u8.ToArray();
        error = Assert.Throws<SyncException>(() => Syncs.Replica(dir.File("x.db"), new MemoryStream(junk), Stream.Null, Settings));
        Assert.Contains("protocol error", error.Message);
        Assert.False(File.Exists(dir.File("x.db")));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(300001u)]
    [InlineData(262145u)]
    public void PagesOutsideTheOriginAreRefused(uint pageNumber)
    {
        using var dir = new TempDirectory();
        var replica = dir.File("replica.db");
        var (stream, writer) = StartOriginTranscript();
        new SendPlan(1, default).WriteTo(writer);
        PageMessage.Write(writer, pageNumber, PageEncoding.Raw, new byte[4096]);
        writer.Flush();

        var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream(stream.ToArray()), Stream.Null, Settings));
        Assert.Contains($"page {pageNumber}", error.Message);
        Assert.False(File.Exists(replica));
    }

    [Theory]
    [InlineData(4095)]
    [InlineData(4097)]
    [InlineData(0)]
    public void ARawPageOfTheWrongSizeIsRefused(int length)
    {
        using var dir = new TempDirectory();
        var replica = dir.File("replica.db");
        var (stream, writer) = StartOriginTranscript();
        new SendPlan(1, default).WriteTo(writer);
        PageMessage.Write(writer, 2, PageEncoding.Raw, new byte[length]);
        writer.Flush();

        var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream(stream.ToArray()), Stream.Null, Settings));
        Assert.Contains($"page 2 has {length} bytes, not 4096", error.Message);
        Assert.False(File.Exists(replica));
    }

    [Theory]
    [InlineData(300001u, 0u)]  // a plan for more pages than the origin has
    [InlineData(1u, 2u)]       // more pages than planned
    public void PagesBeyondThePlanAreRefused(uint plannedPages, uint pagesSent)
    {
        using var dir = new TempDirectory();
        var replica = dir.File("replica.db");
        var (stream, writer) = StartOriginTranscript();
        new SendPlan(plannedPages, default).WriteTo(writer);
        for (uint page = 1; page <= pagesSent; page++)
        {
            PageMessage.Write(writer, page, PageEncoding.Raw, new byte[4096]);
        }
        writer.Flush();

        var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream(stream.ToArray()), Stream.Null, Settings));
        Assert.Contains("plan", error.Message);
        Assert.False(File.Exists(replica));
    }

    /// <summary>An origin's hello, page size and info for a 300,000-page database of 4 KiB pages.</summary>
    private static (MemoryStream Stream, FrameWriter Writer) StartOriginTranscript()
    {
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        new Hello(Hello.CurrentVersion, Role.Origin, HashAlgorithm.Xxh3_128, Capabilities.None, OptionFlags.None).WriteTo(writer);
        OriginPageSize.Write(writer, 4096);
        new DatabaseInfo(4096, 300000, IsWal: true).WriteTo(writer, MessageType.OriginInfo);
        return (stream, writer);
    }

    private static (string Origin, byte[] Transcript) RecordNewReplicaTranscript(TempDirectory dir)
    {
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 2000);
        return (origin, Transcript.Record(origin, dir.File("recorded.db"), Settings).FromOrigin);
    }
}
