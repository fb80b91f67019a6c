
namespace SqlRsync.Ssh;

/// <summary>
/// A database on another host reached through the system's OpenSSH client (`ssh`), as the sqlrsync
/// command does by default: ~/.ssh/config aliases, ssh agents, ProxyJump and known_hosts work exactly
/// as they do for ssh. The remote host needs nothing installed: the native sqlrsync brings itself
/// when the host has no sqlrsync of its protocol (see <see cref="OpenSshOptions.AllowUpload"/>).
/// </summary>
public sealed class OpenSshEndpoint : RemoteEndpoint
{
    /// <summary>The database at <paramref name="path"/> on <paramref name="host"/> ([USER@]HOST, or an ssh_config alias).</summary>
    public OpenSshEndpoint(string host, string path, OpenSshOptions? options = null)
        : base(host, path)
    {
        Options = options ?? new OpenSshOptions();
    }

    /// <summary>How ssh is run.</summary>
    public OpenSshOptions Options { get; }

    /// <inheritdoc/>
    public override RemoteAgent StartAgent(AgentRequest request) => OpenSshAgent.Start(this, request);
}

/// <summary>How <see cref="OpenSshEndpoint"/> runs ssh and the remote agent.</summary>
public sealed record OpenSshOptions
{
    /// <summary>The ssh program (looked up in PATH's absolute directories only) and its own arguments. Default: ssh.</summary>
    public IReadOnlyList<string> SshCommand { get; init; } = ["ssh"];

    /// <summary>The remote host's ssh port; null for ssh's own choice.</summary>
    public int? Port { get; init; }

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

    /// <summary>Give up when the remote side stays silent this long. Default 120 s.</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Ask the remote agent for no warnings.</summary>
    public bool Quiet { get; init; }

    /// <summary>Receives each line the remote side prints on stderr (warnings, ssh's own messages), prefixed with the host; null drops them.</summary>
    public Action<string>? RemoteMessages { get; init; }
}
