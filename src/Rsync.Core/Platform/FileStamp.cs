namespace SqlRsync.Platform;

/// <summary>
/// What stat(2) says of a file's content without opening it: its identity, size and modification time
/// (not the change time, which SQLite moves at every open as root, giving the -wal its database's
/// owner). A write changes the size or the time, but the kernel keeps that time at a coarse clock's
/// tick (a few milliseconds): a second write within the tick of the first leaves the stamp as it was,
/// so a stamp vouches that nothing was written since it was taken only once that tick is past
/// (<see cref="IsSettled"/>).
/// </summary>
internal readonly record struct FileStamp(FileIdentity Identity, long Size, long Modified)
{
    /// <summary>Longer than any kernel's coarse clock tick (10 ms at 100 Hz).</summary>
    private static readonly long SettleNanoseconds = TimeSpan.FromMilliseconds(50).Ticks * 100;

    /// <summary>The stamp of the file at <paramref name="path"/>, or null when there is none or this is not Linux.</summary>
    public static FileStamp? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        return Libc.StatStamp(path) is { } stamp ? new FileStamp(new FileIdentity(stamp.Device, stamp.Inode), stamp.Size, stamp.Modified) : null;
    }

    /// <summary>Whether its last write is far enough in the past that a later one must change the stamp.</summary>
    public bool IsSettled => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100 - Modified > SettleNanoseconds;
}
