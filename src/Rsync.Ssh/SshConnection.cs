namespace SqlRsync.Ssh;

/// <summary>
/// How <see cref="SshEndpoint"/> reaches a host with SSH.NET: the host, the user and a private key
/// (ed25519, ecdsa or rsa; OpenSSH or PEM format), checked against an OpenSSH known_hosts file as
/// strictly as ssh checks it. <see cref="ToString"/> never shows the key or its passphrase.
/// </summary>
public sealed class SshConnection
{
    /// <summary>The host to connect to, and the user to log in as.</summary>
    public SshConnection(string host, string user)
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

    /// <summary>
    /// The sqlrsync program to run on the remote host. Null, the default: a sqlrsync of this protocol
    /// installed there (on PATH, ~/.dotnet/tools or /usr/local/bin), or one cached or brought along.
    /// </summary>
    public string? RemoteProgram { get; init; }

    /// <summary>
    /// Whether a native sqlrsync may copy itself to a host that has none of its protocol, into an
    /// upload directory there (<see cref="UploadDirectory"/>; checked by SHA-256 before it runs). Default true.
    /// </summary>
    public bool AllowUpload { get; init; } = true;

    /// <summary>
    /// The directory on the remote host where a native sqlrsync keeps the copy it brings: the user's
    /// own (made 0700), where programs may run. Null, the default: ~/.cache/sqlrsync, or where that is
    /// mounted noexec, /var/tmp/sqlrsync-UID, then /tmp/sqlrsync-UID.
    /// </summary>
    public string? UploadDirectory { get; init; }

    /// <summary>Receives a line when sqlrsync was copied to the host; null drops it.</summary>
    public Action<string>? Notices { get; init; }

    /// <summary>How long to wait for the connection. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Give up when the remote side stays silent this long. Default 120 s.</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Receives each line the remote side prints on stderr (warnings), prefixed with the host; null drops them.</summary>
    public Action<string>? RemoteMessages { get; init; }

    /// <summary>USER@HOST:PORT, without any secret.</summary>
    public override string ToString() => $"{User}@{Host}:{Port}";
}
