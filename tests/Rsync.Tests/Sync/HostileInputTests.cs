using System.Buffers.Binary;
using System.Globalization;
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

        TestDatabase.AssertSynced(origin, replica, 4096);
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

    /// <summary>
    /// Pages of random bytes (lengths and numbers right, the digest not): the line says the transfer
    /// was corrupt and the replica is unchanged, never that the replica is damaged.
    /// </summary>
    [Fact]
    public void GarbagePagesAreNamedACorruptTransferNotADamagedReplica()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 4000, seed: 1);
        TestDatabase.CreateReplica(replica, rows: 3000, seed: 2);
        var copy = dir.File("copy.db");
        TestDatabase.CopyReplica(replica, copy);
        var frames = Transcript.Frames(Transcript.Record(origin, copy, Settings).FromOrigin);
        var random = new Random(3);
        foreach (var frame in frames.Where(frame => frame[0] == (byte)MessageType.Page))
        {
            // Type, length and page number stay; the encoding byte says raw; the page is noise.
            frame[9] = (byte)PageEncoding.Raw;
            random.NextBytes(frame.AsSpan(10));
        }
        var before = File.ReadAllBytes(replica);

        var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream([.. frames.SelectMany(frame => frame)]), Stream.Null, Settings));

        Assert.Equal(SyncFailure.Protocol, error.Reason);
        Assert.Contains("does not match the origin's digest", error.Message);
        Assert.DoesNotContain("damaged", error.Message);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }

    [Fact]
    public void BitFlipsAreRejectedOrHarmlessOnAnExistingReplica()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 4000, seed: 1);
        TestDatabase.CreateReplica(replica, rows: 3000, seed: 2);
        var copy = dir.File("copy.db");
        TestDatabase.CopyReplica(replica, copy);
        var transcript = Transcript.Record(origin, copy, Settings).FromOrigin;

        ReplayWithBitFlips(origin, replica, transcript, seed: 2);
    }

    /// <summary>
    /// Replays <paramref name="transcript"/> 40 times, each with one bit flipped: a flip is refused and
    /// leaves the replica as it was, or (in a field that does not matter, such as an option or
    /// capability bit) commits, and then the replica must equal the origin; it is put back after.
    /// </summary>
    private static void ReplayWithBitFlips(string origin, string replica, byte[] transcript, int seed)
    {
        var before = File.ReadAllBytes(replica);
        string stateFile = replica + "-sqlrsync";
        var stateBefore = File.Exists(stateFile) ? File.ReadAllBytes(stateFile) : null;
        var random = new Random(seed);
        for (int i = 0; i < 40; i++)
        {
            var mutated = (byte[])transcript.Clone();
            mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            try
            {
                Syncs.Replica(replica, new MemoryStream(mutated), Stream.Null, Settings);
                TestDatabase.AssertSynced(origin, replica, 4096);
                File.WriteAllBytes(replica, before);
                File.Delete(stateFile);
                if (stateBefore is not null)
                {
                    File.WriteAllBytes(stateFile, stateBefore);
                }
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

    /// <summary>
    /// A 14-byte OriginInfo announcing 4,294,967,294 pages to a replica agent whose replica has a few
    /// hundred: the agent's memory follows its own pages, not the announcement (it took 220 MB before).
    /// </summary>
    [Fact]
    public void AnAnnouncedPageCountAllocatesNothing()
    {
        using var dir = new TempDirectory();
        var replica = dir.File("replica.db");
        TestDatabase.CreateReplica(replica, rows: 3000);
        uint replicaPages = uint.Parse(TestDatabase.Sqlite3Cli(replica, "PRAGMA page_count"), CultureInfo.InvariantCulture);

        long honest = PeakResidentBytesOfAnAgentTold(replica, replicaPages);
        long hostile = PeakResidentBytesOfAnAgentTold(replica, 4_294_967_294);

        Assert.True(hostile - honest < 24L << 20,
            $"told of 4,294,967,294 pages the agent peaked at {hostile >> 20} MiB, against {honest >> 20} MiB told of {replicaPages}");
    }

    /// <summary>Starts a replica agent, tells it of an origin of <paramref name="originPages"/> pages, and reads its peak memory once it has hashed
    /// its pages.</summary>
    private static long PeakResidentBytesOfAnAgentTold(string replica, uint originPages)
    {
        using var agent = new AgentProcess("--replica", replica);
        var writer = new FrameWriter(agent.Input);
        new Hello(Hello.CurrentVersion, Role.Origin, HashAlgorithm.Xxh3_128, Capabilities.None, OptionFlags.None).WriteTo(writer);
        new OriginFile(4096, 0x1A4, HashSeed: 7).WriteTo(writer);
        new DatabaseInfo(4096, originPages, IsWal: true).WriteTo(writer, MessageType.OriginInfo);
        writer.Flush();
        var reader = new FrameReader(agent.Output);
        // Hello, ReplicaInfo, then the top level of its tree: by then the tree is built.
        var answered = Task.Run(() =>
        {
            for (var type = reader.Read().Type; type != MessageType.HashesEnd; type = reader.Read().Type)
            {
                Assert.NotEqual(MessageType.Error, type);
            }
        });
        Assert.True(answered.Wait(TimeSpan.FromMinutes(1)), "the agent sent no hashes within a minute");
        return agent.PeakResidentBytes;
    }

    /// <summary>
    /// Each sync draws its own hash seed: two syncs of the same identical pair carry different seeds
    /// and different hashes on the wire, and both find nothing to send.
    /// </summary>
    [Fact]
    public void EachSyncHashesWithASeedOfItsOwn()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000);
        Syncs.Local(origin, replica);

        var first = Transcript.Record(origin, replica, Settings);
        var second = Transcript.Record(origin, replica, Settings);

        byte[] Seed(Transcript transcript) => Transcript.Frames(transcript.FromOrigin).Single(frame => frame[0] == (byte)MessageType.OriginFile)[11..];
        byte[] TopLevel(Transcript transcript) => Transcript.Frames(transcript.FromReplica).First(frame => frame[0] == (byte)MessageType.Hashes);
        Assert.NotEqual(Seed(first), Seed(second));
        Assert.NotEqual(TopLevel(first), TopLevel(second));
        foreach (var transcript in new[] { first, second })
        {
            Assert.DoesNotContain(Transcript.Frames(transcript.FromOrigin), frame => frame[0] == (byte)MessageType.Page);
        }
        TestDatabase.AssertSynced(origin, replica, 4096);
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
        Assert.Contains("speaks version 5, the peer speaks version 7", error.Message);
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
        new Page(pageNumber, PageEncoding.Raw, new byte[4096]).WriteTo(writer);
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
        new Page(2, PageEncoding.Raw, new byte[length]).WriteTo(writer);
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
            new Page(page, PageEncoding.Raw, new byte[4096]).WriteTo(writer);
        }
        writer.Flush();

        var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream(stream.ToArray()), Stream.Null, Settings));
        Assert.Contains("plan", error.Message);
        Assert.False(File.Exists(replica));
    }

    /// <summary>
    /// A recorded delta sync, replayed with one PageDelta frame changed: a page it did not ask about,
    /// blocks garbled, the wrong number of blocks, or none. Each is refused and the replica stays as it was.
    /// </summary>
    [Theory]
    [InlineData("page", "whose blocks it did not ask for")]
    [InlineData("body", "does not match the origin's digest")]
    [InlineData("mask", "(set below)")]
    [InlineData("no-blocks", "changes no block")]
    public void AGarbledPageDeltaIsRefused(string garble, string expected)
    {
        using var dir = new TempDirectory();
        var (_, replica, frames) = RecordDeltaTranscript(dir);
        var before = File.ReadAllBytes(replica);
        int index = frames.FindIndex(frame => frame[0] == (byte)MessageType.PageDelta);
        Assert.True(index >= 0, "the recorded sync sent no PageDelta");
        var frame = frames[index];
        switch (garble)
        {
            case "page":
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5), BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(5)) + 1);
                break;
            case "body":
                frame[^1] ^= 1;
                break;
            case "mask":
                // One block more than the body holds.
                uint mask = BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(9));
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(9), mask | (~mask & (mask + 1)));
                int blocks = System.Numerics.BitOperations.PopCount(mask);
                expected = $"has {blocks * 128} bytes, not {(blocks + 1) * 128}";
                break;
            case "no-blocks":
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(9), 0);
                break;
        }

        var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream(frames.SelectMany(f => f).ToArray()), Stream.Null, Settings));

        Assert.Contains(expected, error.Message);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }

    [Fact]
    public void ReplayingAValidDeltaTranscriptCommits()
    {
        using var dir = new TempDirectory();
        var (origin, replica, frames) = RecordDeltaTranscript(dir);
        // The block hashes were asked for with the leaf check that found the pages.
        Assert.Contains(frames, frame => frame[0] == (byte)MessageType.LeafCheckEnd && BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(13)) > 0);

        Syncs.Replica(replica, new MemoryStream(frames.SelectMany(f => f).ToArray()), Stream.Null, Settings);

        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    [Fact]
    public void BitFlipsInADeltaTranscriptAreRejectedOrHarmless()
    {
        using var dir = new TempDirectory();
        var (origin, replica, frames) = RecordDeltaTranscript(dir);

        ReplayWithBitFlips(origin, replica, [.. frames.SelectMany(f => f)], seed: 3);
    }

    /// <summary>Block requests out of order, past the replica's pages, for a page already written, too long, or without the delta option.</summary>
    [Theory]
    [InlineData(true, new uint[] { 30, 20 }, 0u, "page 20, which is out of order")]
    [InlineData(true, new uint[] { 3, 5000 }, 0u, "page 5000, which is out of order, already written or past the replica's")]
    [InlineData(true, new uint[] { 7 }, 9u, "page 7, which is out of order, already written")]
    [InlineData(true, null, 0u, "malformed BlockRequest frame")]
    [InlineData(false, new uint[] { 7 }, 0u, "only a sync with the delta option does")]
    public void AHostileBlockRequestIsRefused(bool deltaOption, uint[]? pages, uint pageWrittenFirst, string expected)
    {
        using var dir = new TempDirectory();
        var replica = dir.File("replica.db");
        TestDatabase.Create(replica, rows: 3000);
        uint replicaPages = uint.Parse(TestDatabase.Sqlite3Cli(replica, "PRAGMA page_count"), CultureInfo.InvariantCulture);
        var before = File.ReadAllBytes(replica);

        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        new Hello(Hello.CurrentVersion, Role.Origin, HashAlgorithm.Xxh3_128, Capabilities.Delta,
            (deltaOption ? OptionFlags.Delta : OptionFlags.None) | OptionFlags.Force).WriteTo(writer);
        new OriginFile(4096, 0x1A4, HashSeed: 7).WriteTo(writer);
        new DatabaseInfo(4096, replicaPages, IsWal: true).WriteTo(writer, MessageType.OriginInfo);
        new SendPlan(2, default).WriteTo(writer);
        if (pageWrittenFirst > 0)
        {
            new Page(pageWrittenFirst, PageEncoding.Raw, new byte[4096]).WriteTo(writer);
        }
        BlockMessages.WriteRequest(writer, pages ?? [.. Enumerable.Range(1, 4097).Select(page => (uint)page)], seed: 1);
        writer.Flush();

        var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream(stream.ToArray()), Stream.Null, Settings));

        Assert.Contains(expected, error.Message);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }

    /// <summary>
    /// A replica, and the frames a real delta sync sent it: the origin is the replica with 1% of its
    /// rows (1,000 random bytes each) rewritten in place, so every changed page travels as a delta.
    /// </summary>
    private static (string Origin, string Replica, List<byte[]> Frames) RecordDeltaTranscript(TempDirectory dir)
    {
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.CreateRowsOfRandomBytes(origin, rows: 4000);
        Syncs.Local(origin, replica);
        TestDatabase.RewriteEveryHundredthRow(origin);
        var copy = dir.File("copy.db");
        TestDatabase.CopyReplica(replica, copy);
        var transcript = Transcript.Record(origin, copy, Settings with { Delta = true }).FromOrigin;
        return (origin, replica, Transcript.Frames(transcript));
    }

    /// <summary>An origin's hello, file (page size, mode 0644) and info for a 300,000-page database of 4 KiB pages.</summary>
    private static (MemoryStream Stream, FrameWriter Writer) StartOriginTranscript()
    {
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        new Hello(Hello.CurrentVersion, Role.Origin, HashAlgorithm.Xxh3_128, Capabilities.None, OptionFlags.None).WriteTo(writer);
        new OriginFile(4096, 0x1A4, HashSeed: 7).WriteTo(writer);
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
