namespace SqlRsync.Platform;

/// <summary>
/// A file's device and inode, from stat(2): it opens no file handle, so it is safe on a database this
/// process has open through SQLite (closing any descriptor of that file would drop SQLite's locks).
/// </summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode)
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
        return Libc.StatIdentity(path) is { } identity ? new FileIdentity(identity.Device, identity.Inode) : null;
    }
}
