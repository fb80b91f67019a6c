using System.Globalization;

namespace SqlRsync.Platform;

/// <summary>One POSIX or OFD lock on a file, held or waited for by a process, as /proc/locks lists it.</summary>
/// <param name="ProcessId">The holder; -1 for an open-file-description lock, which belongs to no one process.</param>
/// <param name="Write">A write (exclusive) lock, not a read (shared) one.</param>
/// <param name="Waiting">The process waits for the lock rather than holds it.</param>
/// <param name="Start">The first byte locked.</param>
/// <param name="End">The last byte locked; long.MaxValue for "to the end of the file".</param>
internal readonly record struct FileLock(int ProcessId, bool Write, bool Waiting, long Start, long End);

/// <summary>
/// Who holds or waits for locks on a file, read from /proc/locks (Linux). The file is found by the
/// device and inode that stat(2) gives, so it is never opened: SQLite keeps its locks on a database
/// only as long as no descriptor of that file is closed in its process (seed 001).
/// </summary>
internal static class LockHolders
{
    private const string ProcLocks = "/proc/locks";

    /// <summary>
    /// The locks on the file at <paramref name="path"/>; empty when it has none or does not exist, null
    /// when this system cannot tell (not Linux, or /proc/locks is unreadable).
    /// </summary>
    public static IReadOnlyList<FileLock>? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        string[] lines;
        try
        {
            lines = File.ReadAllLines(ProcLocks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (FileIdentity.Of(path) is not { } file)
        {
            return [];
        }
        string key = $"{file.Major:x2}:{file.Minor:x2}:{file.Inode}";
        var locks = new List<FileLock>();
        foreach (var line in lines)
        {
            if (Parse(line, key) is { } found)
            {
                locks.Add(found);
            }
        }
        return locks;
    }

    /// <summary>
    /// One line, such as "3: POSIX  ADVISORY  READ 1234 fe:00:5678 128 128" or, for a process waiting
    /// for the lock, "3: -> POSIX  ADVISORY  WRITE 1234 fe:00:5678 0 EOF"; null unless it is on <paramref name="fileKey"/>.
    /// </summary>
    public static FileLock? Parse(string line, string fileKey)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int at = 1;
        bool waiting = fields.Length > at && fields[at] == "->";
        if (waiting)
        {
            at++;
        }
        // kind (POSIX, OFDLCK, FLOCK...), ADVISORY or MANDATORY, READ or WRITE, pid, device:inode, start, end
        if (fields.Length < at + 7 || fields[at + 4] != fileKey)
        {
            return null;
        }
        if (!int.TryParse(fields[at + 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int processId)
            || !long.TryParse(fields[at + 5], NumberStyles.None, CultureInfo.InvariantCulture, out long start))
        {
            return null;
        }
        long end = fields[at + 6] == "EOF" ? long.MaxValue
            : long.TryParse(fields[at + 6], NumberStyles.None, CultureInfo.InvariantCulture, out long last) ? last : long.MaxValue;
        return new FileLock(processId, fields[at + 2] == "WRITE", waiting, start, end);
    }
}
