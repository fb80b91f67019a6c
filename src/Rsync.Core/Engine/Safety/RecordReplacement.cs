using SqlRsync.Platform;

namespace SqlRsync.Engine.Safety;

/// <summary>
/// A replica's record (REPLICA-sqlrsync) replaced before its commit, and then kept or put back as the
/// commit ends. The new record is a new file (<see cref="NewFile"/>: never through a planted symbolic
/// link, under an unpredictable name, no wider than the replica), made durable and renamed into place,
/// then the directory is synced. The old record stays, as a second name of the same file, until
/// <see cref="Keep"/>; <see cref="PutBack"/> renames it back, which needs no free space on a disk the
/// failed commit has just filled. Leftovers of a killed run (a temporary file, an old record) are
/// removed by the next replacement.
/// </summary>
internal sealed class RecordReplacement
{
    private const string TemporarySuffix = "tmp";

    private readonly string _record;
    private readonly string _previous;
    private readonly bool _hadRecord;
    private bool _ended;

    private RecordReplacement(string record, string previous, bool hadRecord)
    {
        _record = record;
        _previous = previous;
        _hadRecord = hadRecord;
    }

    /// <summary>Puts <paramref name="text"/> in place as the record of <paramref name="replicaPath"/>, durably.</summary>
    /// <exception cref="IOException">The directory is not writable or the disk is full; the old record is then as it was.</exception>
    public static RecordReplacement Write(string replicaPath, string text, UnixFileMode replicaMode)
    {
        string record = ReplicaState.FileFor(replicaPath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(record))!;
        string previous = Path.Combine(directory, $".{Path.GetFileName(record)}.previous");
        RemoveLeftovers(directory, Path.GetFileName(record), previous);
        bool hadRecord = File.Exists(record);
        if (hadRecord)
        {
            NoSymlinks.Link(record, previous);
        }
        string temporary = NewFile.TemporaryNameFor(record, TemporarySuffix);
        try
        {
            using (var file = NewFile.Create(temporary, replicaMode & (UnixFileMode)0x1B6))
            {
                RandomAccess.Write(file, System.Text.Encoding.UTF8.GetBytes(text), 0);
                RandomAccess.FlushToDisk(file);
            }
            NoSymlinks.Rename(temporary, record);
            DirectoryEntries.SyncToDisk(directory);
        }
        catch
        {
            NoSymlinks.Delete(temporary);
            if (hadRecord)
            {
                NoSymlinks.Delete(previous);
            }
            throw;
        }
        return new RecordReplacement(record, previous, hadRecord);
    }

    /// <summary>The commit succeeded: the old record goes (or, if that fails, goes with the next replacement).</summary>
    public void Keep()
    {
        if (!_ended && _hadRecord)
        {
            try
            {
                NoSymlinks.Delete(_previous);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        _ended = true;
    }

    /// <summary>
    /// The commit failed: the old record (or none) is back, durably. Best effort: where that fails the
    /// new record stays, and it names the content the replica kept along with the one it did not get.
    /// </summary>
    public void PutBack()
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        try
        {
            if (_hadRecord)
            {
                NoSymlinks.Rename(_previous, _record);
            }
            else
            {
                NoSymlinks.Delete(_record);
            }
            DirectoryEntries.SyncToDisk(Path.GetDirectoryName(_record)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void RemoveLeftovers(string directory, string recordName, string previous)
    {
        NoSymlinks.Delete(previous);
        foreach (var leftover in Directory.EnumerateFiles(directory, $".{recordName}.*.{TemporarySuffix}"))
        {
            NoSymlinks.Delete(leftover);
        }
    }
}
