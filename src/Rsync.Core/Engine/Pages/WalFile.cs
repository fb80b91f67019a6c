using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SqlRsync.Engine.Sqlite;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// The WAL of a connection in a read transaction, read through the handle SQLite itself holds open for
/// it (SQLITE_FCNTL_JOURNAL_POINTER, then the handle's xRead and xFileSize): never a second open of a
/// file SQLite has open, whose close would drop SQLite's POSIX locks (seed 001). Only headers are
/// read, to learn which pages frames hold. File format (sqlite.org/fileformat2.html, "The WAL"): a
/// 32-byte header (magic, version, page size, checkpoint sequence, salt-1, salt-2, two checksums),
/// then frames of a 24-byte header (page number, database size after a commit or 0, salt-1, salt-2,
/// two checksums) and a page; every number big-endian. A frame belongs to the WAL's current
/// generation only if its salts are the header's: a checkpoint that restarts the WAL adds 1 to salt-1
/// and draws a new salt-2, and the next frames overwrite the file from its start.
/// </summary>
internal sealed unsafe class WalFile
{
    private const int FileControlJournalPointer = 28;
    private const int HeaderBytes = 32;
    private const int FrameHeaderBytes = 24;
    private const int IoErrorShortRead = 10 | (2 << 8);

    /// <summary>sqlite3_file*: its first field points to the sqlite3_io_methods.</summary>
    private readonly nint _file;
    /// <summary>sqlite3_io_methods.xRead, after iVersion and xClose.</summary>
    private readonly delegate* unmanaged<nint, byte*, int, long, int> _read;
    private readonly int _pageSize;

    private WalFile(nint file, int pageSize, long size, uint snapshotFrames, WalSalts? snapshotSalts)
    {
        _file = file;
        var methods = *(nint**)file;
        _read = (delegate* unmanaged<nint, byte*, int, long, int>)methods[2];
        _pageSize = pageSize;
        Size = size;
        SnapshotFrames = snapshotFrames;
        SnapshotSalts = snapshotSalts;
    }

    /// <summary>Its length in bytes when it was opened here.</summary>
    public long Size { get; }

    /// <summary>How many frames the read transaction's snapshot takes from the WAL (its mxFrame).</summary>
    public uint SnapshotFrames { get; }

    /// <summary>The salts of the generation the snapshot reads, as SQLite's WAL index gives them; null when it could not say.</summary>
    public WalSalts? SnapshotSalts { get; }

    /// <summary>
    /// The WAL of <paramref name="database"/>'s read transaction, or null when SQLite has none open (a
    /// rollback-journal database). The snapshot's frame count and salts come from its WAL-index header
    /// (<see cref="SqliteDatabase.TryReadSnapshotHeader"/>: mxFrame at byte 16, the salts at byte 32,
    /// as in the file); 0 frames when SQLite has no snapshot to give (no commit went into the WAL since
    /// its index was rebuilt).
    /// </summary>
    public static WalFile? Of(SqliteDatabase database, int pageSize)
    {
        nint file = database.FileControlPointer(FileControlJournalPointer);
        if (file == 0 || *(nint*)file == 0)
        {
            return null;
        }
        var methods = *(nint**)file;
        var fileSize = (delegate* unmanaged<nint, long*, int>)methods[6];
        long size;
        if (fileSize(file, &size) != SqliteNative.Ok)
        {
            return null;
        }
        Span<byte> header = stackalloc byte[SqliteDatabase.SnapshotHeaderLength];
        if (!database.TryReadSnapshotHeader(header))
        {
            return new WalFile(file, pageSize, size, 0, null);
        }
        return new WalFile(file, pageSize, size, MemoryMarshal.Read<uint>(header[16..]), WalSalts.Read(header[32..]));
    }

    /// <summary>The salts of the file's header, or null when it has none (empty, truncated) or not one of this page size.</summary>
    public WalSalts? HeaderSalts()
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (!Read(header, 0))
        {
            return null;
        }
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        bool known = (magic & ~1u) == 0x377f0682 && BinaryPrimitives.ReadUInt32BigEndian(header[8..]) == (uint)_pageSize;
        return known ? WalSalts.Read(header[16..]) : null;
    }

    /// <summary>Frame <paramref name="index"/> (from 1): the page it holds and its salts; null past the end of the file.</summary>
    public (uint Page, WalSalts Salts)? Frame(uint index)
    {
        Span<byte> header = stackalloc byte[FrameHeaderBytes];
        long offset = HeaderBytes + (index - 1L) * (FrameHeaderBytes + _pageSize);
        if (offset + FrameHeaderBytes + _pageSize > Size || !Read(header, offset))
        {
            return null;
        }
        return (BinaryPrimitives.ReadUInt32BigEndian(header), WalSalts.Read(header[8..]));
    }

    private bool Read(Span<byte> into, long offset)
    {
        if (offset + into.Length > Size)
        {
            return false;
        }
        int rc;
        fixed (byte* buffer = into)
        {
            rc = _read(_file, buffer, into.Length, offset);
        }
        if (rc == IoErrorShortRead)
        {
            return false;
        }
        if (rc != SqliteNative.Ok)
        {
            throw new SqliteCallException($"cannot read the WAL at byte {offset}: {SqliteNative.ErrorString(rc)}", rc);
        }
        return true;
    }
}

/// <summary>The two salts of a WAL generation, as stored (big-endian).</summary>
internal readonly record struct WalSalts(uint First, uint Second)
{
    public static WalSalts Read(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(bytes), BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]));

    /// <summary>Whether this generation is the one right after <paramref name="earlier"/>: one restart between them.</summary>
    public bool Follows(WalSalts earlier) => First == unchecked(earlier.First + 1);
}
