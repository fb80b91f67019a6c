namespace SqlRsync.Ssh;

/// <summary>
/// The ssh options that make runs of this process share one connection per host: ControlMaster=auto
/// (the first run's ssh becomes the master), a ControlPath in a directory this process made for it
/// (mode 0700, so that no other user can open sessions through the socket), and ControlPersist, so
/// that the master stays between runs and leaves by itself once none has used it for that long.
/// </summary>
internal static class SharedConnection
{
    /// <summary>How long an unused connection stays, in seconds.</summary>
    private const int PersistSeconds = 60;

    private static readonly Lazy<string> SocketDirectory = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("sqlrsync-ssh-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveQuietly(directory);
        return directory;
    });

    /// <summary>The options, as ssh arguments.</summary>
    public static IEnumerable<string> Arguments() =>
    [
        "-o", "ControlMaster=auto",
        // %C: a hash of the host, port and user, short enough for a socket's path.
        "-o", $"ControlPath={Path.Combine(SocketDirectory.Value, "%C")}",
        "-o", $"ControlPersist={PersistSeconds}",
    ];

    private static void RemoveQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A master still listening keeps its socket until it leaves; the directory is in the temporary directory.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
