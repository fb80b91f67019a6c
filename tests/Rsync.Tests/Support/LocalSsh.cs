namespace SqlRsync.Tests.Support;

/// <summary>
/// Scripts that stand in for ssh and for remote programs, so that sqlite3_rsync and sqlrsync clients
/// start their remote side on this machine over pipes, exactly as they would over ssh.
/// </summary>
public static class LocalSsh
{
    /// <summary>What every stand-in starts with: ssh's options and the host dropped, "$*" left as the remote command.</summary>
    private const string DropOptionsAndHost = """
        while [ $# -gt 0 ]; do
          case "$1" in
            -p|-o|-e|-i|-F|-l) shift 2 ;;
            -*) shift ;;
            *) break ;;
          esac
        done
        shift
        """;

    /// <summary>An ssh stand-in: drops ssh's options and the host, and runs the remote command here, as sh -c.</summary>
    public static string Script(TempDirectory dir) => Write(dir, "local-ssh", DropOptionsAndHost + "\nexec /bin/sh -c \"$*\"");

    /// <summary>
    /// An ssh stand-in for a host whose authorized_keys forces <paramref name="forcedCommand"/> (a shell
    /// command line): it runs that instead, with the client's command in SSH_ORIGINAL_COMMAND, as sshd does.
    /// </summary>
    public static string ForcedCommand(TempDirectory dir, string name, string forcedCommand) =>
        Write(dir, name, DropOptionsAndHost + $"\nSSH_ORIGINAL_COMMAND=\"$*\" exec {forcedCommand}");

    /// <summary>A program that runs the sqlrsync built beside the tests, for --exe.</summary>
    public static string Agent(TempDirectory dir) => Write(dir, "sqlrsync-agent", $"exec dotnet '{SqlRsyncProgram.DllPath}' \"$@\"");

    /// <summary>An executable shell script named <paramref name="name"/> in <paramref name="dir"/>.</summary>
    public static string Write(TempDirectory dir, string name, string body)
    {
        var path = dir.File(name);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }
}
