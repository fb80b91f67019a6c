using System.IO.Enumeration;

namespace SqlRsync.Topologies;

/// <summary>
/// The SQLite databases in a directory, by relative name ('/' between directories): regular files
/// whose first 16 bytes are SQLite's header, whatever their extension. Never a -wal, -shm or -journal
/// file, nor sqlrsync's -sqlrsync record or its temporary files; never a symbolic link (it could lead
/// out of the directory); subdirectories only when asked. A name with a control character (a newline)
/// is left out and reported, since no one could name it safely on the other side.
/// </summary>
/// <remarks>
/// Headers are read with a plain file handle before any SQLite connection of this process exists
/// (closing such a handle would drop SQLite's locks on that file, seed 001), which a session ensures
/// by listing before its first database.
/// </remarks>
internal static class DatabaseDirectory
{
    /// <summary>The databases under <paramref name="directory"/>, sorted by name, and the names left out with why.</summary>
    public static (List<string> Databases, List<string> Refused) List(string directory, bool recursive)
    {
        var databases = new List<string>();
        var refused = new List<string>();
        var options = new EnumerationOptions { RecurseSubdirectories = recursive, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        var files = new FileSystemEnumerable<string>(directory, (ref FileSystemEntry entry) => entry.ToFullPath(), options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory,
        };
        foreach (var path in files)
        {
            string name = Path.GetRelativePath(directory, path).Replace(Path.DirectorySeparatorChar, '/');
            string file = Path.GetFileName(name);
            if (file.StartsWith('.') && file.Contains(".sqlrsync", StringComparison.Ordinal) || SqlRsync.Engine.Sqlite.CompanionFiles.IsCompanion(file))
            {
                continue;
            }
            if (!SqlRsync.Engine.Sqlite.SqliteHeader.IsAtStartOf(path))
            {
                continue;
            }
            if (name.Any(char.IsControl))
            {
                refused.Add($"{name.ReplaceLineEndings("\\n")}: a control character (a newline) in its name; rename it");
                continue;
            }
            databases.Add(name);
        }
        databases.Sort(StringComparer.Ordinal);
        return (databases, refused);
    }
}
