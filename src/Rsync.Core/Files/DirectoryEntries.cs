using System.Runtime.InteropServices;

namespace SqlRsync.Files;

/// <summary>Makes changes to a directory's entries (a new name, a rename) survive a power loss.</summary>
internal static partial class DirectoryEntries
{
    /// <summary>O_RDONLY, which opens a directory too (O_DIRECTORY's value differs between architectures).</summary>
    private const int OpenReadOnly = 0;

    /// <summary>fsync(2) on the directory; best effort where the system has no such call.</summary>
    public static void SyncToDisk(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        int fd = Open(directory, OpenReadOnly);
        if (fd >= 0)
        {
            Fsync(fd);
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
