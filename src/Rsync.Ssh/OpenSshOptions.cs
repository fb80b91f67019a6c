namespace SqlRsync.Ssh;

/// <summary>How <see cref="OpenSshEndpoint"/> runs ssh and the remote agent.</summary>
public sealed record OpenSshOptions
{
    /// <summary>The ssh program (looked up in PATH's absolute directories only) and its own arguments. Default: ssh.</summary>
    public IReadOnlyList<string> SshCommand { get; init; } = ["ssh"];

    /// <summary>The remote host's ssh port; null for ssh's own choice.</summary>
    public int? Port { get; init; }

    /// <summary>
    /// Whether runs in this process share one ssh connection per host (OpenSSH's ControlMaster, with
    /// its socket in a directory of this process's own, mode 0700): the first logs in, later ones open
    /// a session on it at once. The connection outlives the last session by a minute.
    /// For `--watch`, whose cycles would otherwise each pay a login. Default: false.
    /// </summary>
    public bool ShareConnection { get; init; }

    /// <summary>How the agent is found or brought, and watched.</summary>
    public RemoteAgentOptions Agent { get; init; } = new();
}
