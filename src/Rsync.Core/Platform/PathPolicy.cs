namespace SqlRsync.Platform;

/// <summary>
/// How the path of a database sqlrsync is told to open is resolved, before anything opens it. A
/// symbolic link is followed only where the kernel's protected_symlinks rule would follow it in a
/// sticky directory: the link belongs to the user running sqlrsync, or to the owner of the directory
/// that holds it. So a link another user planted in a shared directory never leads a sync into a file
/// of the user's own, while links users make themselves work as ever. A --serve agent
/// (<see cref="ConfineTo"/>) follows none at all and opens nothing outside its allowed directories.
/// What is resolved here is then opened with no link allowed anywhere on the way
/// (<see cref="NoSymlinks"/>, SQLITE_OPEN_NOFOLLOW), so a link swapped in after this check fails the
/// open rather than leading elsewhere.
/// </summary>
internal static class PathPolicy
{
    private const int MaxLinks = 40;

    private static string[]? s_roots;

    /// <summary>The directories this process is confined to (real paths), or null when it is not.</summary>
    public static IReadOnlyList<string>? Roots => s_roots;

    /// <summary>From now on, for the rest of this process: no symbolic link is followed, and no path outside <paramref name="roots"/> (real paths)
    /// is used.</summary>
    public static void ConfineTo(IEnumerable<string> roots) => s_roots = [.. roots];

    /// <summary>Whether <paramref name="path"/> (absolute, resolved) lies inside one of the confining roots; always, when there are none.</summary>
    public static bool Allows(string path) =>
        s_roots is null || s_roots.Any(root => root == "/" || path == root || path.StartsWith(root + "/", StringComparison.Ordinal));

    /// <summary>
    /// <paramref name="path"/> itself when no symbolic link is on its way, else its real path with every
    /// link resolved; a missing last part (a new replica) is kept as it is.
    /// </summary>
    /// <exception cref="SyncException">A link this rule does not follow, a loop of links, or (confined) a path outside.</exception>
    public static string Resolve(string side, string path)
    {
        var pending = new List<string>(Parts(Path.GetFullPath(path)));
        string resolved = "/";
        bool followed = false;
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending[0];
            pending.RemoveAt(0);
            if (part == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? "/";
                continue;
            }
            string candidate = Path.Join(resolved, part);
            var status = Libc.LinkStatus(candidate);
            if (status is not { IsLink: true } link)
            {
                // A regular file or directory, or nothing (what follows is kept as given).
                resolved = status is null ? Path.Join([candidate, .. pending]) : candidate;
                if (status is null)
                {
                    break;
                }
                continue;
            }
            if (s_roots is not null)
            {
                throw Refused(side, path, $"{candidate} is a symbolic link, and this key's sqlrsync --serve follows none");
            }
            uint directoryOwner = Libc.LinkStatus(resolved)?.Owner ?? uint.MaxValue;
            if (link.Owner != Libc.EffectiveUserId() && link.Owner != directoryOwner)
            {
                throw Refused(side, path,
                    $"{candidate} is a symbolic link of another user's (uid {link.Owner}) in a directory of a third (uid {directoryOwner}): " +
                    "sqlrsync follows a link only when you or the directory's owner made it, as the kernel's protected_symlinks does; use the path " +
                        "it leads to if you trust it");
            }
            if (++links > MaxLinks)
            {
                throw Refused(side, path, "its symbolic links lead in a loop");
            }
            string target = new FileInfo(candidate).LinkTarget ?? "";
            if (target.StartsWith('/'))
            {
                resolved = "/";
            }
            pending.InsertRange(0, Parts(target));
            followed = true;
        }
        if (!Allows(resolved))
        {
            throw Refused(side, path, $"it lies outside the directories this key may sync ({string.Join(", ", s_roots!)})");
        }
        return followed ? resolved : path;
    }

    private static IEnumerable<string> Parts(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".");

    private static SyncException Refused(string side, string path, string why) => new(SyncFailure.Refused, $"{side} {path} is refused: {why}");

    /// <summary>
    /// The path of the relative <paramref name="name"/> inside <paramref name="directory"/> (a session's
    /// or an archive store's, resolved once, at its start), with no symbolic link anywhere below it (a
    /// link could lead out of it, then or later); with <paramref name="create"/>, its missing parent
    /// directories are made, no wider than the directory each is made in. What is opened
    /// there is opened with no link on the way (<see cref="NoSymlinks"/>), so a link swapped in after
    /// this check fails the open.
    /// </summary>
    /// <exception cref="SyncException">A link is on the way, or a directory cannot be made.</exception>
    public static string Inside(string directory, string name, bool create)
    {
        var parts = name.Split('/');
        string path = directory;
        for (int at = 0; at < parts.Length; at++)
        {
            string parent = path;
            path = Path.Join(path, parts[at]);
            var status = Libc.LinkStatus(path);
            if (status is { IsLink: true })
            {
                throw new SyncException(SyncFailure.Refused, $"{name} leads out of {directory} (a symbolic link); it is left alone");
            }
            if (status is null && create && at < parts.Length - 1)
            {
                try
                {
                    NoSymlinks.MakeDirectory(path, Permissions.Of(parent));
                }
                catch (IOException e)
                {
                    throw new SyncException(SyncFailure.Access, $"{name}: {e.Message}", e);
                }
            }
        }
        return path;
    }
}
