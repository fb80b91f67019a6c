namespace SqlRsync.Ssh;

/// <summary>What a restricted key may do (`--serve --allow DIR [--read-only | --write-only] [--allow-delete] [--append-only]`).</summary>
/// <param name="Allowed">The directories whose databases it may sync.</param>
public sealed record ForcedCommandRules(AllowedDirectories Allowed)
{
    /// <summary>Which way it may sync. Default both.</summary>
    public ForcedCommandAccess Access { get; init; } = ForcedCommandAccess.Both;

    /// <summary>Whether it may delete replica databases whose origin is gone (a directory sync with --delete). Default false.</summary>
    public bool AllowDelete { get; init; }

    /// <summary>
    /// It may add snapshots to archives and read, and nothing else: no database is written as a
    /// replica, and nothing in an archive is deleted or rewritten (no prune), so that a stolen key
    /// cannot destroy history. Default false.
    /// </summary>
    public bool AppendOnly { get; init; }

    /// <summary>Receives each warning line (a database on a network filesystem); null drops them.</summary>
    public Action<string>? Warnings { get; init; }
}
