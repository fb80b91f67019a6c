using System.Globalization;
using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;

namespace SqlRsync.Engine.Safety;

/// <summary>
/// What sqlrsync remembers of a replica it wrote, in a small text file beside it (REPLICA-sqlrsync),
/// never inside the database: the content digests the replica may hold and when sqlrsync last changed
/// it. A sync that changes the replica records the digest before and the digest after, durably, before
/// it commits, so whichever content a crash leaves is recognised. The file is replaced whole, never
/// edited in place (<see cref="RecordReplacement"/>).
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
            return NewFile.ReadText(FileFor(replicaPath));
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
}
