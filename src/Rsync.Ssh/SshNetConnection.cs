namespace SqlRsync.Ssh;

/// <summary>
/// How <see cref="SshNetEndpoint"/> reaches a host with SSH.NET: the host, the user and a private key
/// (ed25519, ecdsa or rsa; OpenSSH or PEM format), checked against an OpenSSH known_hosts file as
/// strictly as ssh checks it. <see cref="ToString"/> never shows the key or its passphrase.
/// </summary>
public sealed class SshNetConnection
{
    /// <summary>The host to connect to, and the user to log in as.</summary>
    public SshNetConnection(string host, string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentException.ThrowIfNullOrEmpty(user);
        Host = host;
        User = user;
    }

    /// <summary>The host name or address.</summary>
    public string Host { get; }

    /// <summary>The user to log in as.</summary>
    public string User { get; }

    /// <summary>The ssh port. Default 22.</summary>
    public int Port { get; init; } = 22;

    /// <summary>A private key file. Give this or <see cref="PrivateKey"/>.</summary>
    public string? PrivateKeyFile { get; init; }

    /// <summary>A private key's text (as in a key file). Give this or <see cref="PrivateKeyFile"/>.</summary>
    public string? PrivateKey { get; init; }

    /// <summary>The private key's passphrase, if it has one.</summary>
    public string? Passphrase { get; init; }

    /// <summary>The OpenSSH known_hosts file the host's key must be in. Default: ~/.ssh/known_hosts.</summary>
    public string KnownHostsFile { get; init; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>
    /// Accept a host that <see cref="KnownHostsFile"/> does not list yet, and add its key there, as
    /// `ssh -o StrictHostKeyChecking=accept-new` does. A changed or revoked key is refused regardless.
    /// </summary>
    public bool AcceptNewHostKey { get; init; }

    /// <summary>How long to wait for the connection. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How the agent is found or brought, and watched.</summary>
    public RemoteAgentOptions Agent { get; init; } = new();

    /// <summary>USER@HOST:PORT, without any secret.</summary>
    public override string ToString() => $"{User}@{Host}:{Port}";
}
