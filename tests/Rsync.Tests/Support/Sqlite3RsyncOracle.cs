namespace SqlRsync.Tests.Support;

/// <summary>
/// SQLite's own sqlite3_rsync, built from its unmodified source by the shared oracle's build.sh
/// (../shared/oracles/sqlite3_rsync/ beside the repository, or SQLRSYNC_ORACLES naming the oracles
/// directory): the reference peer that interoperability tests run against.
/// </summary>
public static class Sqlite3RsyncOracle
{
    private static readonly Lazy<(string? Path, string? Unavailable)> Built = new(Build);

    public static string Path => Built.Value.Path ?? throw new InvalidOperationException(Unavailable);

    /// <summary>Why the oracle cannot be run here, or null.</summary>
    public static string? Unavailable => Built.Value.Unavailable;

    private static (string?, string?) Build()
    {
        var script = FindBuildScript();
        if (script is null)
        {
            return (null, "sqlite3_rsync's build.sh is neither beside the repository (../shared/oracles/sqlite3_rsync/) nor in " +
                "SQLRSYNC_ORACLES/sqlite3_rsync/");
        }
        var build = ExternalProgram.Run(script, []);
        string path = build.StandardOutput.Trim().Split('\n').Last().Trim();
        return build.ExitCode == 0 && File.Exists(path)
            ? (path, null)
            : (null, $"sqlite3_rsync could not be built ({script}): {build.StandardError.Trim().Split('\n').LastOrDefault()}");
    }

    private static string? FindBuildScript()
    {
        if (Environment.GetEnvironmentVariable("SQLRSYNC_ORACLES") is { Length: > 0 } oracles)
        {
            string named = System.IO.Path.Combine(oracles, "sqlite3_rsync", "build.sh");
            return File.Exists(named) ? named : null;
        }
        for (var directory = new DirectoryInfo(Repository.File(".")).Parent; directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, "shared", "oracles", "sqlite3_rsync", "build.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
