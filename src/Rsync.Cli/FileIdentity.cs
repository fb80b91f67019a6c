using System.Runtime.InteropServices;

namespace Rsync.Cli;

/// <summary>
/// Whether two paths name the same file (same device and inode), so that hard links and symlinks
/// to one database are caught too. Uses stat(2); it opens no file handle.
/// </summary>
internal static partial class FileIdentity
{
    public static bool IsSameFile(string a, string b)
    {
        if (Path.GetFullPath(a) == Path.GetFullPath(b))
        {
            return true;
        }
        return TryGet(a, out var first) && TryGet(b, out var second) && first == second;
    }

    private static bool TryGet(string path, out (ulong Device, ulong Inode) identity)
    {
        identity = default;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        // struct stat on 64-bit Linux (x86-64 and arm64) starts with st_dev and st_ino, 8 bytes each.
        Span<byte> buffer = stackalloc byte[256];
        if (Stat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return false;
        }
        identity = (BitConverter.ToUInt64(buffer), BitConverter.ToUInt64(buffer[8..]));
        return true;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, ref byte buffer);
}
