namespace SqlRsync.Platform;

/// <summary>Makes changes to a directory's entries (a new name, a rename) survive a power loss.</summary>
internal static class DirectoryEntries
{
    /// <summary>fsync(2) on the directory; best effort where the system has no such call.</summary>
    public static void SyncToDisk(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        int fd = NoSymlinks.Open(directory, Libc.ReadOnly);
        if (fd >= 0)
        {
            _ = Libc.Fsync(fd);
            _ = Libc.Close(fd);
        }
    }
}
