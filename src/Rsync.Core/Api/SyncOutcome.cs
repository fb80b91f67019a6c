namespace SqlRsync;

/// <summary>
/// How one sync of a run of several ended — a replica of <see cref="DatabaseSync.RunToManyAsync"/>, a
/// database of <see cref="DatabaseSync.RunDirectoryAsync"/> (or its deletion): its result, or why it
/// failed (its replica is then exactly as it was).
/// </summary>
/// <param name="Name">The replica as given (PATH or HOST:PATH), or the database's name relative to the directories ('/' between subdirectories).</param>
/// <param name="Result">Its figures when it synced; null when it failed, or for a deletion.</param>
/// <param name="Failure">Why it failed; null when it succeeded.</param>
public sealed record SyncOutcome(string Name, SyncResult? Result, SyncException? Failure)
{
    /// <summary>Whether it succeeded: the replica now holds the origin's snapshot (or, in a dry run, was compared), or the database was deleted.</summary>
    public bool Succeeded => Failure is null;
}
