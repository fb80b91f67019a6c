namespace SqlRsync;

/// <summary>How an agent serves (<see cref="SyncAgent"/>); the defaults suit an agent started by sqlrsync's own transports.</summary>
public sealed record AgentOptions
{
    /// <summary>
    /// Whether a directory session may delete replica databases its client asks it to (a directory sync
    /// with --delete), and an archive store agent objects (a prune). Default true.
    /// </summary>
    public bool MayDelete { get; init; } = true;

    /// <summary>
    /// An archive store agent adds objects but deletes none: no prune, no clean-up, through this agent
    /// (a --serve key with --append-only). Objects are never overwritten in any case. Default false.
    /// </summary>
    public bool AppendOnly { get; init; }

    /// <summary>An archive store agent only reads: no object is created or deleted (a --serve key with --read-only). Default false.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// The directories the agent may open anything in, for a restricted key (`--serve --allow DIR`); null,
    /// the default, for anywhere. Confinement holds for the whole process from then on: no symbolic link
    /// is followed, and nothing outside these directories is opened.
    /// </summary>
    public AllowedDirectories? ConfinedTo { get; init; }

    /// <summary>Receives each warning line (a database on a network filesystem); null drops them.</summary>
    public Action<string>? Warnings { get; init; }
}
