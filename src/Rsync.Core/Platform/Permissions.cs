namespace SqlRsync.Platform;

/// <summary>The permission bits (rwxrwxrwx) of a file, which the files sqlrsync makes from it never exceed.</summary>
internal static class Permissions
{
    private const UnixFileMode All = (UnixFileMode)0x1FF;

    /// <summary>The permission bits of <paramref name="path"/>, through symbolic links; on Windows, which has none, 0666.</summary>
    public static UnixFileMode Of(string path) =>
        OperatingSystem.IsWindows() ? (UnixFileMode)0x1B6 : File.GetUnixFileMode(path) & All;
}
