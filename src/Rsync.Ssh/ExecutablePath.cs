namespace SqlRsync.Ssh;

/// <summary>
/// Finds the file to run for a program name, as execvp does but stricter. A name with a '/' is used
/// as given. A bare name is looked up in the absolute directories of PATH only: never in the current
/// or the application's directory (where .NET's Process.Start looks first) and never through a
/// relative PATH entry such as "." or an empty one. So a program planted in a writable working
/// directory (a cron job started in /tmp) is never run in place of ssh.
/// </summary>
internal static class ExecutablePath
{
    /// <summary>What execvp searches when PATH is not set.</summary>
    private const string DefaultSearchPath = "/usr/bin:/bin";

    /// <summary>The file to start for <paramref name="name"/>, or null when PATH has no such program.</summary>
    public static string? Find(string name, string? searchPath = null)
    {
        if (name.Contains('/'))
        {
            return name;
        }
        searchPath ??= Environment.GetEnvironmentVariable("PATH") ?? DefaultSearchPath;
        foreach (var directory in searchPath.Split(':'))
        {
            if (!Path.IsPathRooted(directory))
            {
                continue;
            }
            var candidate = Path.Combine(directory, name);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static bool IsExecutableFile(string path)
    {
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0);
    }
}
