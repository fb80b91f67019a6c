using System.Globalization;
using SqlRsync.Files;

namespace SqlRsync.Safety;

/// <summary>
/// What sqlrsync remembers of a replica it wrote, in a small text file beside it (REPLICA-sqlrsync),
/// never inside the database: the content digests the replica may hold and when sqlrsync last changed
/// it. A sync that changes the replica records the digest before and the digest after, durably, before
/// it commits, so whichever content a crash leaves is recognised. The file is replaced whole (a
/// temporary file, fsync, rename, fsync of the directory), never edited in place.
/// </summary>
internal sealed record ReplicaState(IReadOnlyList<string> Contents, DateTimeOffset Written)
{
    public const string FileSuffix = CompanionFiles.Record;

    private const string Header = "sqlrsync replica state 1";
    private const string ContentKey = "content ";
    private const string WrittenKey = "written ";

    public static string FileFor(string replicaPath) => replicaPath + FileSuffix;

    public bool Holds(string content) => Contents.Contains(content);

    /// <summary>The replica's state file read back, or null when it has none (or one that is not ours).</summary>
    public static ReplicaState? Read(string replicaPath) => ReadText(replicaPath) is { } text ? Parse(text) : null;

    /// <summary>The state file's exact text, to put back if a commit fails; null when there is none.</summary>
    /// <exception cref="SyncException">It exists but cannot be read.</exception>
    public static string? ReadText(string replicaPath)
    {
        try
        {
            return File.ReadAllText(FileFor(replicaPath));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SyncException(SyncFailure.Access, $"cannot read the replica's record {FileFor(replicaPath)}: {e.Message} (check its permissions)", e);
        }
    }

    public static ReplicaState? Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || lines[0] != Header)
        {
            return null;
        }
        var contents = lines.Where(line => line.StartsWith(ContentKey, StringComparison.Ordinal)).Select(line => line[ContentKey.Length..]).ToList();
        var written = lines.FirstOrDefault(line => line.StartsWith(WrittenKey, StringComparison.Ordinal));
        if (contents.Count == 0 || written is null
            || !DateTimeOffset.TryParse(written[WrittenKey.Length..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            return null;
        }
        return new ReplicaState(contents, when);
    }

    public string Text() =>
        $"{Header}\n" +
        "# sqlrsync wrote the database beside this file and keeps this record to tell whether another program changed it since.\n" +
        $"{WrittenKey}{Written.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}\n" +
        string.Concat(Contents.Select(content => $"{ContentKey}{content}\n"));

    /// <summary>Replaces the state file of <paramref name="replicaPath"/> with <paramref name="text"/> (or removes it for null), durably.</summary>
    /// <exception cref="IOException">The directory is not writable or the disk is full; the old file is then still in place.</exception>
    public static void Replace(string replicaPath, string? text)
    {
        string path = FileFor(replicaPath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (text is null)
        {
            File.Delete(path);
        }
        else
        {
            string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
            try
            {
                using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    file.Write(System.Text.Encoding.UTF8.GetBytes(text));
                    file.Flush(flushToDisk: true);
                }
                File.Move(temporary, path, overwrite: true);
            }
            catch
            {
                File.Delete(temporary);
                throw;
            }
        }
        DirectoryEntries.SyncToDisk(directory);
    }
}
