using System.Buffers.Binary;
using System.Globalization;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// The frames of the shorter order (a replica that sends its upper levels unasked, an origin that ends with a
/// leaf check), garbled or hostile from either side: each is refused with one line before anything is written,
/// and neither database changes.
/// </summary>
public class HostileLeafCheckTests
{
    private static readonly SyncOptions Settings = new() { BusyTimeout = TimeSpan.FromSeconds(5) };

    public enum Garble
    {
        NodesOutOfOrder,
        NodePastLevelOne,
        EmptyLeafCheck,
        TooFewLeaves,
        TooManyLeaves,
        TooManyBlockPages,
        BlocksWithoutTheDeltaOption,
        AnnouncedLeavesOfFourBillionPages,
    }

    /// <summary>A leaf check sent to a replica agent's side that the replica must refuse before it answers or writes.</summary>
    [Theory]
    [InlineData(Garble.NodesOutOfOrder, "out of order or past the")]
    [InlineData(Garble.NodePastLevelOne, "out of order or past the")]
    [InlineData(Garble.EmptyLeafCheck, "malformed LeafCheck frame")]
    [InlineData(Garble.TooFewLeaves, "page hashes, the origin sent")]
    [InlineData(Garble.TooManyLeaves, "malformed OriginLeaves frame")]
    [InlineData(Garble.TooManyBlockPages, "more than 4096")]
    [InlineData(Garble.BlocksWithoutTheDeltaOption, "only a sync with the delta option does")]
    [InlineData(Garble.AnnouncedLeavesOfFourBillionPages, "OriginLeaves frame announces 4294967295 bytes")]
    public void AHostileLeafCheckIsRefused(Garble garble, string expected)
    {
        using var dir = new TempDirectory();
        var replica = dir.File("replica.db");
        TestDatabase.Create(replica, rows: 3000);
        uint pages = uint.Parse(TestDatabase.Sqlite3Cli(replica, "PRAGMA page_count"), CultureInfo.InvariantCulture);
        var shape = HashTreeShape.For(pages);
        Assert.True(shape.TopLevel >= 1);
        int fanout = (int)shape.Fanout;
        var before = File.ReadAllBytes(replica);

        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        var options = (garble == Garble.BlocksWithoutTheDeltaOption ? OptionFlags.None : OptionFlags.Delta) | OptionFlags.Force;
        new Hello(Hello.CurrentVersion, Role.Origin, HashAlgorithm.Xxh3_128, Capabilities.Delta | Capabilities.EagerHashes, options).WriteTo(writer);
        new OriginFile(4096, 0x1A4, HashSeed: 7).WriteTo(writer);
        new DatabaseInfo(4096, pages, IsWal: true).WriteTo(writer, MessageType.OriginInfo);
        uint[] nodes = garble switch
        {
            Garble.NodesOutOfOrder => [1, 0],
            Garble.NodePastLevelOne => [shape.NodeCount(1)],
            Garble.EmptyLeafCheck => [],
            _ => [0],
        };
        int leaves = garble switch
        {
            Garble.TooFewLeaves => fanout - 1,
            Garble.TooManyLeaves => fanout + 1,
            Garble.AnnouncedLeavesOfFourBillionPages => 0,
            _ => fanout * nodes.Length,
        };
        int blockPages = garble == Garble.TooManyBlockPages ? ProtocolLimits.PagesPerBlockRequest + 1 : 16;
        if (garble == Garble.EmptyLeafCheck)
        {
            writer.Write(MessageType.LeafCheck, []);
        }
        LeafCheckMessages.WriteNodes(writer, nodes);
        LeafCheckMessages.WriteLeaves(writer, new UInt128[leaves], seed: 1, blockPages);
        if (garble == Garble.AnnouncedLeavesOfFourBillionPages)
        {
            // A frame whose header announces 4 GiB of hashes: refused before anything is read or held for it.
            writer.Flush();
            var frames = Transcript.Frames(stream.ToArray());
            frames[^1] = [(byte)MessageType.OriginLeaves, 0xFF, 0xFF, 0xFF, 0xFF];
            stream = new MemoryStream([.. frames.SelectMany(frame => frame)]);
        }
        writer.Flush();

        var error = Assert.Throws<SyncException>(() => Syncs.Replica(replica, new MemoryStream(stream.ToArray()), Stream.Null, Settings));

        Assert.Equal(SyncFailure.Protocol, error.Reason);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(before, File.ReadAllBytes(replica));
    }

    public enum Answer
    {
        PageNotAsked,
        PagesOutOfOrder,
        PageZero,
        FewerBlockHashes,
    }

    /// <summary>
    /// A replica's answer to a leaf check, taken from a real sync and garbled: the origin refuses it before it
    /// sends a page, and the origin is never written.
    /// </summary>
    [Theory]
    [InlineData(Answer.PageNotAsked, "not a page of the leaf check")]
    [InlineData(Answer.PagesOutOfOrder, "out of order or not a page of the leaf check")]
    [InlineData(Answer.PageZero, "not a page of the leaf check")]
    [InlineData(Answer.FewerBlockHashes, "expected BlockHashes")]
    public void AHostileAnswerToALeafCheckIsRefused(Answer answer, string expected)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.CreateRowsOfRandomBytes(origin, rows: 4000);
        Syncs.Local(origin, replica);
        TestDatabase.RewriteEveryHundredthRow(origin);
        var deltas = Settings with { Delta = true };
        var frames = Transcript.Frames(Transcript.Record(origin, replica, deltas).FromReplica);
        int listed = frames.FindIndex(frame => frame[0] == (byte)MessageType.DifferentPages);
        Assert.True(listed > 0, "the replica answered no leaf check");
        var list = frames[listed];
        Assert.True(list.Length >= 5 + 8, "the replica named fewer than two different pages");
        switch (answer)
        {
            case Answer.PageNotAsked:
                BinaryPrimitives.WriteUInt32LittleEndian(list.AsSpan(list.Length - 4), 4_000_000);
                break;
            case Answer.PagesOutOfOrder:
                (list[5], list[9]) = (list[9], list[5]);
                (list[6], list[10]) = (list[10], list[6]);
                (list[7], list[11]) = (list[11], list[7]);
                (list[8], list[12]) = (list[12], list[8]);
                break;
            case Answer.PageZero:
                BinaryPrimitives.WriteUInt32LittleEndian(list.AsSpan(5), 0);
                break;
            case Answer.FewerBlockHashes:
                frames.RemoveAt(frames.FindIndex(frame => frame[0] == (byte)MessageType.BlockHashes));
                break;
        }
        var originBefore = File.ReadAllBytes(origin);

        // The origin draws another seed: the recorded hashes all differ from its own, so it checks every node.
        var error = Assert.Throws<SyncException>(() => Syncs.Origin(origin, new MemoryStream([.. frames.SelectMany(frame => frame)]), Stream.Null,
            deltas));

        Assert.Equal(SyncFailure.Protocol, error.Reason);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(originBefore, File.ReadAllBytes(origin));
    }
}
