namespace SqlRsync.Ssh;

/// <summary>
/// What to do about the failures ssh reports most often, appended to ssh's own line. The commands it
/// prints work as written: ssh-keyscan and ssh-keygen -R take a host name and port, not a user@ or an
/// ssh_config alias, so they get the ones ssh itself resolves (`ssh -G`, asked only when needed).
/// </summary>
internal static class SshFailureHint
{
    /// <summary>The hint for <paramref name="sshLine"/>, ssh's last line about <paramref name="host"/> (given with <paramref name="givenPort"/>, -p)
    /// and <paramref name="path"/>; <paramref name="resolve"/> asks ssh where the host is.</summary>
    public static string For(string host, string path, string sshLine, int? givenPort, Func<(string HostName, int Port)?> resolve) => sshLine switch
    {
        _ when sshLine.Contains("Host key verification failed", StringComparison.Ordinal) => HostKey(host, givenPort, resolve()),
        _ when sshLine.Contains("Could not resolve hostname", StringComparison.Ordinal) =>
            $" (if {host}:{path} is a local file, write ./{host}:{path})",
        _ when sshLine.Contains("Connection refused", StringComparison.Ordinal) =>
            " (no ssh server listens there: check the host name and the port, -p)",
        _ when sshLine.Contains("Permission denied", StringComparison.Ordinal) =>
            " (the login was refused: check the user name, and give the key with --ssh \"ssh -i KEY\" or load it with ssh-add)",
        _ => "",
    };

    private static string HostKey(string host, int? givenPort, (string HostName, int Port)? resolved)
    {
        var (name, port) = resolved ?? (host[(host.IndexOf('@') + 1)..], givenPort ?? 22);
        string portOption = port == 22 ? "" : $"-p {port} ";
        string entry = port == 22 ? name : $"'[{name}]:{port}'";
        string connect = givenPort is { } given ? $"ssh -p {given} {host}" : $"ssh {host}";
        return $" (known_hosts holds no key for {name}{(port == 22 ? "" : $" port {port}")}, or a different one: connect once with `{connect}` to " +
            "check its key and accept it, " +
               $"or add it with `ssh-keyscan {portOption}{name} >> ~/.ssh/known_hosts` after comparing fingerprints; if the key changed, find out " +
                   $"why before `ssh-keygen -R {entry}`)";
    }
}
