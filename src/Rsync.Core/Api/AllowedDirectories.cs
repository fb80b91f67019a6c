using SqlRsync.Platform;

namespace SqlRsync;

/// <summary>
/// The directories a restricted key may sync databases in (`sqlrsync --serve --allow DIR`), and the
/// check that a requested path lies inside one of them once '~' and '..' are resolved, with no symbolic
/// link anywhere below the directory: a key follows none (a link could lead out, then or later). An
/// agent confined to them (<see cref="AgentOptions.ConfinedTo"/>) also opens nothing outside them, so
/// SQLite's -wal, -journal and the replica's record land beside the database, inside too, even if a
/// link is swapped in while it runs.
/// </summary>
public sealed class AllowedDirectories
{
    /// <summary>Each directory as it was given (absolute) and as its real path.</summary>
    private readonly List<(string Given, string Real)> _roots;

    private AllowedDirectories(List<(string Given, string Real)> roots) => _roots = roots;

    /// <summary>The directories, each of which must exist.</summary>
    /// <exception cref="ArgumentException">A directory does not exist.</exception>
    public static AllowedDirectories Resolve(IEnumerable<string> directories) => new([.. directories.Select(directory =>
        Directory.Exists(directory) && Libc.RealPath(directory) is { } real
            ? (Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)), real)
            : throw new ArgumentException($"--allow {directory}: no such directory", nameof(directories)))]);

    /// <summary>The real paths of the directories.</summary>
    public IEnumerable<string> RealPaths => _roots.Select(root => root.Real);

    /// <summary>The directories' real paths, comma-separated.</summary>
    public override string ToString() => string.Join(", ", _roots.Select(root => root.Real));

    /// <summary>The path to open for <paramref name="requested"/> (relative paths and '~' start at <paramref name="home"/>), which must lie inside
    /// one of the directories.</summary>
    /// <exception cref="SyncException">Why it may not be used (<see cref="SyncFailure.Refused"/>).</exception>
    public string Confine(string requested, string home)
    {
        string expanded = requested == "~" || requested.StartsWith("~/", StringComparison.Ordinal) ? home + requested[1..]
            : requested.StartsWith('~') ? throw Refused($"{requested}: a ~user path is not accepted here; give the full path")
            : requested;
        string full = Path.GetFullPath(expanded, home);
        foreach (var (given, real) in _roots)
        {
            foreach (var spelling in new[] { real, given })
            {
                if (Below(full, spelling) is { } rest)
                {
                    return WithoutLinks(requested, real, rest);
                }
            }
        }
        throw Refused($"{requested} is outside the directories this key may sync ({this})");
    }

    private static SyncException Refused(string why) => new(SyncFailure.Refused, $"refused: {why}");

    /// <summary>What follows <paramref name="root"/> in <paramref name="path"/> ("" for the root itself), or null when it is not inside.</summary>
    private static string? Below(string path, string root) =>
        root == "/" ? path.TrimStart('/')
        : path == root ? ""
        : path.StartsWith(root + "/", StringComparison.Ordinal) ? path[(root.Length + 1)..]
        : null;

    private string WithoutLinks(string requested, string root, string rest)
    {
        string path = root;
        foreach (var part in rest.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path = Path.Join(path, part);
            if (Libc.LinkStatus(path) is { IsLink: true })
            {
                throw Refused($"{requested} is outside the directories this key may sync ({this}): it leads through the symbolic link {path}, and " +
                    "a key follows none");
            }
        }
        return path;
    }
}
