using System.Buffers.Binary;
using SqlRsync.Dialects.Sqlite3Rsync;
using SqlRsync.Engine.Pages;
using SqlRsync.Protocol.Sqlite3Rsync;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Interop;

/// <summary>
/// Our sqlite3_rsync page and range hashes against the oracle's own: its replica side, given an
/// ORIGIN_BEGIN, answers with the hashes its hash() and agghash() SQL functions compute over a real
/// database; every one must equal ours for the same pages.
/// </summary>
public sealed class Sqlite3RsyncHashTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableTheory]
    [InlineData(1, 4096, 60)]     // one hash per page
    [InlineData(2, 4096, 2000)]   // page 1, then ranges of 1,000 pages
    [InlineData(2, 512, 400)]     // ranges of 30 pages
    [InlineData(2, 65536, 40000)] // over 100 pages of 64 KiB
    public void TheOracleHashesPagesAndRangesAsWeDo(byte protocol, int pageSize, int rows)
    {
        Skip.If(Sqlite3RsyncOracle.Unavailable is not null, Sqlite3RsyncOracle.Unavailable);
        var replica = _dir.File("replica.db");
        TestDatabase.Create(replica, rows, journalMode: "delete", pageSize: pageSize);
        var pages = ReadPages(replica);

        using var oracle = ExternalProgram.Start(Sqlite3RsyncOracle.Path, ["--replica", "origin.db", replica]);
        var toOracle = oracle.StandardInput.BaseStream;
        var header = new byte[7];
        header[0] = (byte)Sqlite3RsyncMessage.OriginBegin;
        header[1] = protocol;
        header[2] = (byte)System.Numerics.BitOperations.Log2((uint)pageSize);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(3), (uint)pages.Count);
        toOracle.Write(header);
        toOracle.Flush();

        var reader = new Sqlite3RsyncReader(oracle.StandardOutput.BaseStream);
        uint first = 1, count = 1;
        int compared = 0, ranges = 0;
        var theirs = new byte[Sqlite3RsyncHash.Length];
        var ours = new byte[Sqlite3RsyncHash.Length];
        for (var code = reader.ReadCode(); code != Sqlite3RsyncMessage.ReplicaReady; code = reader.ReadCode())
        {
            Assert.NotNull(code);
            if (code == Sqlite3RsyncMessage.ReplicaConfig)
            {
                first = reader.ReadUInt32();
                count = reader.ReadUInt32();
                continue;
            }
            Assert.Equal(Sqlite3RsyncMessage.ReplicaHash, code);
            reader.ReadExactly(theirs);
            if (count == 1)
            {
                Sqlite3RsyncHash.Compute(pages[(int)first - 1], ours);
            }
            else
            {
                var range = new Sqlite3RsyncHash();
                for (uint page = first; page < first + count && page <= pages.Count; page++)
                {
                    Sqlite3RsyncHash.Compute(pages[(int)page - 1], ours);
                    range.Append(ours);
                }
                range.Finish(ours);
                ranges++;
            }
            Assert.True(theirs.AsSpan().SequenceEqual(ours), $"the hash of pages {first}..{first + count - 1} differs");
            compared++;
            first += count;
        }
        toOracle.WriteByte((byte)Sqlite3RsyncMessage.OriginEnd);
        toOracle.Close();
        Assert.True(oracle.WaitForExit(TimeSpan.FromSeconds(30)));

        Assert.Equal(pages.Count, (int)first - 1);
        Assert.True(protocol == 1 ? ranges == 0 && compared == pages.Count : ranges > 0);
    }

    [Fact]
    public void AppendingInPiecesGivesTheSameHashAsAtOnce()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        var whole = new byte[20];
        Sqlite3RsyncHash.Compute(data, whole);
        var hasher = new Sqlite3RsyncHash();
        foreach (var piece in data.Chunk(159))
        {
            hasher.Append(piece);
        }
        var pieces = new byte[20];
        hasher.Finish(pieces);
        Assert.Equal(whole, pieces);
        var other = new byte[20];
        data[999] ^= 1;
        Sqlite3RsyncHash.Compute(data, other);
        Assert.NotEqual(whole, other);
    }

    private static List<byte[]> ReadPages(string path)
    {
        using var source = PageSource.OpenSnapshot(path, TimeSpan.FromSeconds(5));
        var pages = new List<byte[]>();
        source.ScanPages(1, source.PageCount, (_, data) => pages.Add(data.ToArray()));
        return pages;
    }
}
