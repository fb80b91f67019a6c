using SqlRsync.Platform;

namespace SqlRsync.Engine.Safety;

/// <summary>
/// Spots a database on a network or pass-through filesystem, where SQLite's locks and WAL shared
/// memory do not work across hosts (seed 000), so that sqlrsync can warn before syncing it.
/// Uses statfs(2) on Linux; it opens no file handle.
/// </summary>
internal static class UnsafeFilesystem
{
    /// <summary>statfs f_type values (linux/magic.h and the filesystems' own headers) and what to call them.</summary>
    private static readonly Dictionary<long, string> Names = new()
    {
        [0x6969] = "NFS",
        [0x517B] = "SMB",
        [0xFF534D42] = "CIFS/SMB",
        [0xFE534D42] = "SMB2",
        [0x65735546] = "FUSE (virtiofs, sshfs and the like)",
        [0x01021997] = "9p",
        [0x00C36400] = "CephFS",
    };

    /// <summary>The kind of unsafe filesystem that holds <paramref name="path"/> (or, if it does not exist, its directory), or null.</summary>
    public static string? Kind(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        string target = File.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? path;
        return Libc.FilesystemType(target) is { } type ? KindOf(type & 0xFFFFFFFF) : null;
    }

    public static string? KindOf(long filesystemType) => Names.GetValueOrDefault(filesystemType);

    /// <summary>Tells <paramref name="warnings"/> (unless null) when <paramref name="side"/> at <paramref name="path"/> is on an unsafe filesystem.</summary>
    public static void Warn(Action<string>? warnings, string side, string path)
    {
        if (warnings is not null && Kind(path) is { } kind)
        {
            warnings($"sqlrsync: warning: {side} {path} is on {kind}: a WAL database is not safe to share across hosts there " +
                     "(its locks and shared memory do not reach other machines); keep the live database on a local disk " +
                     "and give other hosts copies made with sqlrsync (-q hides this)");
        }
    }
}
