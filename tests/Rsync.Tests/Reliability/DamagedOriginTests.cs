using System.Buffers.Binary;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Reliability;

/// <summary>
/// Origins damaged on disk are refused with one line, or synced exactly as SQLite reads them; never
/// a crash and never a half-written replica (docs/reliability.md lists which is which).
/// </summary>
public class DamagedOriginTests
{
    public enum Damage
    {
        CutMidPage,
        CutAtAPageBoundary,
        PageCountPastTheEnd,
        GarbageMagic,
        ImpossiblePageSize,
    }

    [Theory]
    [InlineData(Damage.CutMidPage, "is damaged (SQLite finds it malformed")]
    [InlineData(Damage.CutAtAPageBoundary, "is damaged (SQLite finds it malformed")]
    [InlineData(Damage.PageCountPastTheEnd, "is damaged (SQLite finds it malformed")]
    [InlineData(Damage.GarbageMagic, "is not a SQLite database")]
    [InlineData(Damage.ImpossiblePageSize, "is not a SQLite database")]
    public void DamagedOriginIsRefusedAndNoReplicaAppears(Damage damage, string expected)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 400, journalMode: "delete");
        var bytes = File.ReadAllBytes(origin);
        File.WriteAllBytes(origin, damage switch
        {
            Damage.CutMidPage => bytes[..(bytes.Length / 2 + 100)],
            Damage.CutAtAPageBoundary => bytes[..(bytes.Length / 4096 / 2 * 4096)],
            Damage.PageCountPastTheEnd => WithHeaderPageCount(bytes, (uint)(bytes.Length / 4096 + 50)),
            Damage.GarbageMagic => [.. "garbage garbage!"u8, .. bytes[16..]],
            _ => [.. bytes[..16], 0x03, 0xE8, .. bytes[18..]],  // 1000 bytes: not a power of two
        });
        var before = DirectorySnapshot.Take(dir.Path);

        var result = SqlRsyncProgram.Run(origin, dir.File("replica.db"));

        var line = SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.StartsWith("sqlrsync: error: origin ", line);
        Assert.Contains(expected, line);
        DirectorySnapshot.AssertUnchanged(before, dir.Path);
    }

    [Fact]
    public void BytesPastTheHeadersPageCountAreIgnoredAsSqliteIgnoresThem()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 400, journalMode: "delete");
        var pages = File.ReadAllBytes(origin);
        File.WriteAllBytes(origin, [.. pages, .. Enumerable.Repeat((byte)7, 8192)]);

        var result = SqlRsyncProgram.Run(origin, replica);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(pages.Length, new FileInfo(replica).Length);
        TestDatabase.AssertIntegrityOk(replica);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica, "--check").ExitCode);
    }

    private static byte[] WithHeaderPageCount(byte[] database, uint pageCount)
    {
        var copy = database.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(28), pageCount);
        return copy;
    }
}
