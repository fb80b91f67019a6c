namespace SqlRsync.Ssh;

/// <summary>What to do about the failures ssh reports most often, appended to ssh's own line.</summary>
internal static class SshFailureHint
{
    public static string For(string host, string path, string sshLine) => sshLine switch
    {
        _ when sshLine.Contains("Host key verification failed", StringComparison.Ordinal) =>
            $" (known_hosts holds no key for {host}, or a different one: connect once with `ssh {host}` to check its key and accept it, " +
            $"or add it with `ssh-keyscan {host} >> ~/.ssh/known_hosts` after comparing fingerprints; if the key changed, find out why before `ssh-keygen -R {host}`)",
        _ when sshLine.Contains("Could not resolve hostname", StringComparison.Ordinal) =>
            $" (if {host}:{path} is a local file, write ./{host}:{path})",
        _ when sshLine.Contains("Connection refused", StringComparison.Ordinal) =>
            " (no ssh server listens there: check the host name and the port, -p)",
        _ when sshLine.Contains("Permission denied", StringComparison.Ordinal) =>
            " (the login was refused: check the user name, and give the key with --ssh \"ssh -i KEY\" or load it with ssh-add)",
        _ => "",
    };
}
