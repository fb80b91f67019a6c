using System.Runtime.InteropServices;

namespace SqlRsync.Files;

/// <summary>
/// A file's device and inode, from stat(2): it opens no file handle, so it is safe on a database this
/// process has open through SQLite (closing any descriptor of that file would drop SQLite's locks).
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <summary>The device's major number, as /proc/locks prints it.</summary>
    public uint Major => (uint)(((Device >> 8) & 0xFFF) | ((Device >> 32) & ~0xFFFUL));

    /// <summary>The device's minor number, as /proc/locks prints it.</summary>
    public uint Minor => (uint)((Device & 0xFF) | ((Device >> 12) & ~0xFFUL));

    /// <summary>Whether two paths name the same file, so that hard links and symlinks to one database are caught too.</summary>
    public static bool IsSameFile(string a, string b)
    {
        if (Path.GetFullPath(a) == Path.GetFullPath(b))
        {
            return true;
        }
        return Of(a) is { } first && Of(b) is { } second && first == second;
    }

    /// <summary>The identity of the file at <paramref name="path"/> (following symlinks), or null when there is none or this is not Linux.</summary>
    public static FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        // struct stat on 64-bit Linux (x86-64 and arm64) starts with st_dev and st_ino, 8 bytes each.
        Span<byte> buffer = stackalloc byte[256];
        if (Native.Stat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }
        return new FileIdentity(BitConverter.ToUInt64(buffer), BitConverter.ToUInt64(buffer[8..]));
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Stat(string path, ref byte buffer);
    }
}
