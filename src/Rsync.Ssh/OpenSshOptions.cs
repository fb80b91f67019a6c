namespace SqlRsync.Ssh;

/// <summary>How <see cref="OpenSshEndpoint"/> runs ssh and the remote agent.</summary>
public sealed record OpenSshOptions
{
    /// <summary>The ssh program (looked up in PATH's absolute directories only) and its own arguments. Default: ssh.</summary>
    public IReadOnlyList<string> SshCommand { get; init; } = ["ssh"];

    /// <summary>The remote host's ssh port; null for ssh's own choice.</summary>
    public int? Port { get; init; }

    /// <summary>How the agent is found or brought, and watched.</summary>
    public RemoteAgentOptions Agent { get; init; } = new();
}
