
namespace SqlRsync.Ssh;

/// <summary>
/// A database on another host reached through the system's OpenSSH client (`ssh`), as the sqlrsync
/// command does by default: ~/.ssh/config aliases, ssh agents, ProxyJump and known_hosts work exactly
/// as they do for ssh. The remote host needs nothing installed: the native sqlrsync brings itself
/// when the host has no sqlrsync of its protocol (see <see cref="RemoteAgentOptions.AllowUpload"/>).
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
