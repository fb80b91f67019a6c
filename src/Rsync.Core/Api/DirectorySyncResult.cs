namespace SqlRsync;

/// <summary>What a directory sync did.</summary>
/// <param name="Databases">Every database taken on the origin side, in name order, each synced from its own snapshot.</param>
/// <param name="OnlyOnReplica">Databases the replica side has and the origin side does not (among those the options take): reported, and deleted
/// only with <see cref="DirectoryOptions.Delete"/>.</param>
/// <param name="Refused">Files that look like databases but were left out, each with why (a newline in the name).</param>
/// <param name="Deletions">With <see cref="DirectoryOptions.Delete"/>: each database of <paramref name="OnlyOnReplica"/> deleted (no failure) or not
/// (why).</param>
public sealed record DirectorySyncResult(IReadOnlyList<SyncOutcome> Databases, IReadOnlyList<string> OnlyOnReplica, IReadOnlyList<string> Refused,
    IReadOnlyList<SyncOutcome> Deletions);
