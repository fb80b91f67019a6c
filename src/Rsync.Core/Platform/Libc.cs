using System.Runtime.InteropServices;
using System.Text;

namespace SqlRsync.Platform;

/// <summary>
/// The C library calls sqlrsync makes where .NET has no equivalent: file identity, owner and
/// filesystem type without opening a file (stat, lstat, statfs, geteuid), the flags of nameless
/// temporary files (O_TMPFILE; names and links are made by <see cref="NoSymlinks"/>), fsync, early
/// writeback (sync_file_range), pipe sizes (fcntl), access and realpath. Linux, x86-64 layouts and
/// values; callers check <see cref="OperatingSystem.IsLinux"/> where it matters.
/// </summary>
internal static partial class Libc
{
    public const int ReadOnly = 0;                  // O_RDONLY, which opens a directory too
    public const int TemporaryReadWrite = 0x410000 | 2;  // O_TMPFILE | O_RDWR on x86-64
    public const int ErrorExists = 17;              // EEXIST

    /// <summary>st_dev and st_ino, the first two 8-byte fields of struct stat; null when the path names nothing.</summary>
    public static (ulong Device, ulong Inode)? StatIdentity(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Stat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }
        return (BitConverter.ToUInt64(buffer), BitConverter.ToUInt64(buffer[8..]));
    }

    /// <summary>
    /// st_dev, st_ino, st_size and st_mtim (at 0, 8, 48 and 88 of x86-64's struct stat, the time as
    /// nanoseconds since 1970), through links; null when the path names nothing.
    /// </summary>
    public static (ulong Device, ulong Inode, long Size, long Modified)? StatStamp(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Stat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }
        static long Nanoseconds(ReadOnlySpan<byte> time) => BitConverter.ToInt64(time) * 1_000_000_000 + BitConverter.ToInt64(time[8..]);
        return (BitConverter.ToUInt64(buffer), BitConverter.ToUInt64(buffer[8..]), BitConverter.ToInt64(buffer[48..]), Nanoseconds(buffer[88..]));
    }

    /// <summary>
    /// lstat(2): whether the path itself (not what a link leads to) is a symbolic link, and its owner's
    /// uid (st_mode at offset 24 and st_uid at 28 of x86-64's struct stat); null when it names nothing.
    /// </summary>
    public static (bool IsLink, uint Owner)? LinkStatus(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (LinkStat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }
        uint mode = BitConverter.ToUInt32(buffer[24..]);
        return ((mode & 0xF000) == 0xA000, BitConverter.ToUInt32(buffer[28..]));
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint EffectiveUserId();

    /// <summary>The owner and group of <paramref name="path"/> (st_uid and st_gid, at 28 and 32, through links); null when it names nothing.</summary>
    public static (uint User, uint Group)? Owner(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Stat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }
        return (BitConverter.ToUInt32(buffer[28..]), BitConverter.ToUInt32(buffer[32..]));
    }

    /// <summary>fchown(2).</summary>
    [LibraryImport("libc", EntryPoint = "fchown")]
    public static partial int ChangeOwner(int fd, uint user, uint group);

    /// <summary>f_type, the first 8-byte field of struct statfs; null when the call fails.</summary>
    public static long? FilesystemType(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        return StatFs(path, ref MemoryMarshal.GetReference(buffer)) == 0 ? BitConverter.ToInt64(buffer) : null;
    }

    /// <summary>realpath(3): the absolute path with every symbolic link, '.' and '..' resolved; null when a part is missing.</summary>
    public static string? RealPath(string path)
    {
        Span<byte> resolved = stackalloc byte[4096];
        if (RealPath(path, ref MemoryMarshal.GetReference(resolved)) == 0)
        {
            return null;
        }
        return Encoding.UTF8.GetString(resolved[..resolved.IndexOf((byte)0)]);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode = 0);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static unsafe partial int Open(byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fsync")]
    public static partial int Fsync(int fd);

    /// <summary>sync_file_range(2) with SYNC_FILE_RANGE_WRITE: starts writing a range's dirty pages to disk without waiting for them.</summary>
    public static int StartWriteback(int fd, long offset, long length) => SyncFileRange(fd, offset, length, 2);

    /// <summary>
    /// fcntl(2) F_SETPIPE_SZ: asks the kernel to hold <paramref name="bytes"/> in the pipe of
    /// <paramref name="fd"/>; the size it gives, or -1 (not a pipe, or over the user's limit).
    /// </summary>
    public static int SetPipeSize(int fd, int bytes) => Fcntl(fd, 1031, bytes);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    /// <summary>flock(2) without waiting: a shared or exclusive lock on the open file, 0, or -1 with errno set (EWOULDBLOCK: another holds it).</summary>
    public static int TryLock(int fd, bool exclusive) => Flock(fd, (exclusive ? 2 : 1) | 4);

    public const int WouldBlock = 11;  // EWOULDBLOCK

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    /// <summary>access(2) with W_OK: whether this process may write the file or directory (false on a read-only filesystem, even for root).</summary>
    public static bool CanWrite(string path) => Access(path, 2) == 0;

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkStat(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatFs(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPath(string path, ref byte resolved);
}
