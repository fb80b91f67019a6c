namespace Rsync.Cli;

/// <summary>Checks on local origin and replica paths, made before any database is opened.</summary>
internal static class LocalPaths
{
    /// <summary>A one-line problem with the origin path, or null.</summary>
    public static string? OriginProblem(string origin)
    {
        if (Directory.Exists(origin))
        {
            return $"origin {origin} is a directory, not a database file; name the database file inside it";
        }
        if (!File.Exists(origin))
        {
            return $"origin {origin} does not exist (check the path)";
        }
        return null;
    }

    /// <summary>A one-line problem with the replica path, or null.</summary>
    public static string? ReplicaProblem(string replica)
    {
        if (Directory.Exists(replica))
        {
            return $"replica {replica} is a directory; name the database file inside it";
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(replica));
        if (directory is not null && !Directory.Exists(directory))
        {
            return $"the replica's directory {directory} does not exist (create it first)";
        }
        return null;
    }

    /// <summary>Prints the unsafe-filesystem warning (seed 000) for each local path on one, unless quiet.</summary>
    public static void WarnIfUnsafe(OutputSettings output, params (string Side, string Path)[] paths)
    {
        if (output.Quiet)
        {
            return;
        }
        foreach (var (side, path) in paths)
        {
            if (UnsafeFilesystem.Warning(side, path) is { } warning)
            {
                Console.Error.WriteLine(warning);
            }
        }
    }
}
