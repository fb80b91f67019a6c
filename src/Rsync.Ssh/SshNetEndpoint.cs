
namespace SqlRsync.Ssh;

/// <summary>
/// A database on another host reached with SSH.NET inside this process: no ssh program is needed
/// (Windows included). The host's key must be in the known_hosts file (or be accepted as new when
/// asked); a changed, revoked or unknown key is refused with one line. The remote host needs nothing
/// installed: the native sqlrsync brings itself (see <see cref="RemoteAgentOptions.AllowUpload"/>).
/// </summary>
public sealed class SshNetEndpoint : RemoteEndpoint
{
    /// <summary>The database at <paramref name="path"/> on the host <paramref name="connection"/> reaches.</summary>
    public SshNetEndpoint(SshNetConnection connection, string path)
        : base(connection.Host, path)
    {
        Connection = connection;
    }

    /// <summary>How the host is reached.</summary>
    public SshNetConnection Connection { get; }

    /// <inheritdoc/>
    public override RemoteAgent StartAgent(AgentRequest request) => SshNetAgent.Start(Connection, request);
}
