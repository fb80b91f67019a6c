using SqlRsync.Ssh;

namespace SqlRsync.Cli;

/// <summary>
/// How the command line reaches a remote endpoint: through the system's ssh (the default: the user's
/// ~/.ssh/config, agent and ProxyJump) or, with --ssh-client builtin, through SSH.NET inside this
/// process with a key file and a known_hosts file.
/// </summary>
internal sealed record RemoteSettings(bool Builtin, string SshCommand, int? Port, string? Exe, bool AllowUpload, string? UploadDirectory, TimeSpan Timeout,
    OutputSettings Output, string? Identity, string? KnownHosts, bool AcceptNewHostKey)
{
    /// <summary>Read by --ssh-client builtin only: a secret is never taken from the command line, where `ps` shows it.</summary>
    public const string PassphraseVariable = "SQLRSYNC_SSH_PASSPHRASE";

    /// <summary>Whether runs share one ssh connection per host (a watch's cycles).</summary>
    public bool ShareConnection { get; init; }

    /// <summary>A line for -v when sqlrsync copied itself to the host.</summary>
    private Action<string>? Notices => Output.Verbosity > 0 ? Console.Error.WriteLine : null;

    public RemoteEndpoint EndpointFor(Endpoint endpoint)
    {
        var agent = new RemoteAgentOptions
        {
            RemoteProgram = Exe,
            AllowUpload = AllowUpload,
            UploadDirectory = UploadDirectory,
            Notices = Notices,
            SilenceTimeout = Timeout,
            Quiet = Output.Quiet,
            RemoteMessages = Output.Quiet ? null : Console.Error.WriteLine,
        };
        if (!Builtin)
        {
            var options = new OpenSshOptions
            {
                SshCommand = SshCommandWords.Split(SshCommand),
                Port = Port,
                Agent = agent,
                ShareConnection = ShareConnection,
            };
            return new OpenSshEndpoint(endpoint.Host!, endpoint.Path, options);
        }
        // [USER@]HOST, where HOST may be a bracketed IPv6 address.
        string host = endpoint.Host!;
        int at = host.LastIndexOf('@');
        string user = at > 0 ? host[..at] : Environment.UserName;
        host = host[(at + 1)..].Trim('[', ']');
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var connection = new SshNetConnection(host, user)
        {
            Port = Port ?? 22,
            PrivateKeyFile = Identity ?? DefaultKey(home),
            Passphrase = Environment.GetEnvironmentVariable(PassphraseVariable),
            KnownHostsFile = KnownHosts ?? Path.Combine(home, ".ssh", "known_hosts"),
            AcceptNewHostKey = AcceptNewHostKey,
            Agent = agent,
        };
        return new SshNetEndpoint(connection, endpoint.Path);
    }

    /// <summary>The keys ssh tries when told none, in its order.</summary>
    private static readonly string[] DefaultKeys = ["id_ed25519", "id_ecdsa", "id_rsa"];

    /// <summary>The first default key that exists, as ssh tries them.</summary>
    private static string? DefaultKey(string home) =>
        DefaultKeys.Select(name => Path.Combine(home, ".ssh", name)).FirstOrDefault(File.Exists);
}
