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
