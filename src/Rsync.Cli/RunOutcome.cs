namespace SqlRsync.Cli;

/// <summary>
/// How a sync that ran ended: one outcome per replica (one for ORIGIN REPLICA; named as the user wrote
/// them, with their <paramref name="Replicas"/> endpoints in the same order) or per database of a
/// directory, and for a directory what else it found and did.
/// </summary>
internal sealed record RunOutcome(IReadOnlyList<SyncOutcome> Outcomes, DirectorySyncResult? Directory = null, IReadOnlyList<SyncEndpoint>? Replicas = null)
{
    public static RunOutcome Of(DirectorySyncResult directory) => new(directory.Databases, directory);

    /// <summary>What failed: replicas or databases, and deletions that were refused.</summary>
    public IEnumerable<SyncOutcome> Failures => Outcomes.Concat(Directory?.Deletions ?? []).Where(outcome => !outcome.Succeeded);

    /// <summary>The host of the replica <paramref name="outcome"/> is about, when it is remote.</summary>
    public string? HostOf(SyncOutcome outcome) =>
        Replicas?.ElementAtOrDefault(Outcomes.ToList().IndexOf(outcome)) is RemoteEndpoint remote ? remote.Host : null;

    /// <summary>The syncs that succeeded, each with its result.</summary>
    public IEnumerable<(string Name,
        SyncResult Result)> Results => Outcomes.Where(outcome => outcome.Result is not null).Select(outcome => (outcome.Name, outcome.Result!));
}
