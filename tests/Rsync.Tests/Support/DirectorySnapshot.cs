namespace SqlRsync.Tests.Support;

/// <summary>
/// Every file in a directory and its subdirectories, by relative path, with its bytes, to prove that a
/// run wrote nothing. Take it while no SQLite connection in this process has the files open.
/// </summary>
public sealed record DirectorySnapshot(IReadOnlyDictionary<string, byte[]> Files)
{
    public static DirectorySnapshot Take(string directory) => new(
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .ToDictionary(path => Path.GetRelativePath(directory, path), File.ReadAllBytes));

    /// <summary>
    /// Every file is as it was, and nothing was added — except what any SQLite reader of a WAL database
    /// leaves: the -shm shared-memory index (rewritten by every read) and an empty -wal, which our
    /// connections leave in place because they never checkpoint on close (seed 001).
    /// </summary>
    public static void AssertUnchanged(DirectorySnapshot before, string directory)
    {
        var after = Take(directory);
        foreach (var (name, bytes) in before.Files)
        {
            Assert.True(after.Files.ContainsKey(name), $"{name} was removed");
            Assert.True(name.EndsWith("-shm", StringComparison.Ordinal) || bytes.AsSpan().SequenceEqual(after.Files[name]), $"{name} changed");
        }
        foreach (var (name, bytes) in after.Files.Where(file => !before.Files.ContainsKey(file.Key)))
        {
            Assert.True(name.EndsWith("-shm", StringComparison.Ordinal) || (name.EndsWith("-wal", StringComparison.Ordinal) && bytes.Length == 0),
                $"{name} was created");
        }
    }
}
