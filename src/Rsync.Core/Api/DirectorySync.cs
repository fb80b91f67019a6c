using System.IO.Enumeration;

namespace SqlRsync;

/// <summary>Which databases of a directory a directory sync takes, and whether it deletes those the origin side no longer has.</summary>
public sealed record DirectoryOptions
{
    /// <summary>
    /// Delete, on the replica side, the databases the origin side does not have (among those the
    /// include and exclude globs take): only databases sqlrsync made (their record beside them) unless
    /// <see cref="SyncOptions.Force"/>, never one another process has open, and nothing at all when the
    /// origin side has no database (an unmounted disk looks like that). A dry run only reports them.
    /// </summary>
    public bool Delete { get; init; }

    /// <summary>Whether databases in subdirectories are taken too (their directories are made on the replica side).</summary>
    public bool Recursive { get; init; }

    /// <summary>
    /// Globs (* and ?) of the databases to take; none: all. A glob with a '/' matches the relative
    /// name (a/b.db), one without matches the file name.
    /// </summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Globs of the databases to leave out, matched as <see cref="Include"/>; they win over it.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Whether the database <paramref name="name"/> (relative, '/' between directories) is taken.</summary>
    public bool Takes(string name) =>
        (Include.Count == 0 || Include.Any(glob => Matches(glob, name))) && !Exclude.Any(glob => Matches(glob, name));

    private static bool Matches(string glob, string name) =>
        FileSystemName.MatchesSimpleExpression(glob, glob.Contains('/') ? name : name[(name.LastIndexOf('/') + 1)..], ignoreCase: false);
}

/// <summary>How one database of a directory sync ended.</summary>
/// <param name="Name">Its name relative to the directories, '/' between subdirectories.</param>
/// <param name="Result">Its figures when it synced; null when it failed.</param>
/// <param name="Failure">Why it failed (the replica's copy is then exactly as it was); null when it synced.</param>
public sealed record DatabaseOutcome(string Name, SyncResult? Result, SyncException? Failure)
{
    /// <summary>Whether the replica's copy now holds a snapshot of the origin's (or, in a dry run, was compared).</summary>
    public bool Succeeded => Failure is null;
}

/// <summary>What a directory sync did.</summary>
/// <param name="Databases">Every database taken on the origin side, in name order, each synced from its own snapshot.</param>
/// <param name="OnlyOnReplica">Databases the replica side has and the origin side does not (among those the options take): reported, and deleted only with <see cref="DirectoryOptions.Delete"/>.</param>
/// <param name="Refused">Files that look like databases but were left out, each with why (a newline in the name).</param>
/// <param name="Deletions">With <see cref="DirectoryOptions.Delete"/>: each database of <paramref name="OnlyOnReplica"/> deleted (no failure) or not (why).</param>
public sealed record DirectorySyncResult(IReadOnlyList<DatabaseOutcome> Databases, IReadOnlyList<string> OnlyOnReplica, IReadOnlyList<string> Refused,
    IReadOnlyList<DatabaseOutcome> Deletions);
