using SqlRsync.Files;

namespace SqlRsync.Cli;

/// <summary>
/// The directories a forced-command key may sync databases in (`--serve --allow DIR`), and the check
/// that a requested path lies inside one of them once '~', '..' and every symbolic link on the way are
/// resolved. The agent then opens the resolved path, so SQLite's -wal, -journal and the replica's
/// record land beside it, inside the directory too.
/// </summary>
internal sealed class AllowedDirectories
{
    private readonly List<string> _roots;

    private AllowedDirectories(List<string> roots) => _roots = roots;

    /// <exception cref="FormatException">A directory does not exist.</exception>
    public static AllowedDirectories Resolve(IEnumerable<string> directories) => new([.. directories.Select(directory =>
        Directory.Exists(directory) && Libc.RealPath(directory) is { } real ? real : throw new FormatException($"--allow {directory}: no such directory"))]);

    public override string ToString() => string.Join(", ", _roots);

    /// <summary>The real path of <paramref name="requested"/> (relative paths and '~' start at <paramref name="home"/>), which must lie inside an allowed directory.</summary>
    /// <exception cref="FormatException">Why it may not be used.</exception>
    public string Confine(string requested, string home)
    {
        string expanded = requested == "~" || requested.StartsWith("~/") ? home + requested[1..]
            : requested.StartsWith('~') ? throw new FormatException($"{requested}: a ~user path is not accepted here; give the full path")
            : requested;
        string full = Path.GetFullPath(expanded, home);
        string real;
        if (File.Exists(full) || Directory.Exists(full))
        {
            real = Libc.RealPath(full) ?? throw new FormatException($"{requested} cannot be resolved");
        }
        else if (new FileInfo(full).LinkTarget is not null)
        {
            throw new FormatException($"{requested} is a symbolic link to a file that does not exist");
        }
        else
        {
            string parent = Path.GetDirectoryName(full)!;
            real = Libc.RealPath(parent) is { } realParent ? Path.Join(realParent, Path.GetFileName(full))
                : throw new FormatException($"the directory of {requested} does not exist");
        }
        if (!_roots.Any(root => real.StartsWith(root == "/" ? root : root + "/", StringComparison.Ordinal)))
        {
            throw new FormatException($"{requested} is outside the directories this key may sync ({this})");
        }
        return real;
    }
}
