using System.Text;
using SqlRsync.Platform;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// What this machine keeps of an archive whose every read is a request (object storage), so that the
/// next add asks for neither a listing nor a map: the name of the newest snapshot it added or read, and
/// the chunks of that snapshot's page map. Kept in CACHE/ARCHIVE-ID/ ("newest", and "map/BLOB-ID" with
/// the chunk's plain bytes). Nothing in it is trusted: the newest name is a hint, read from the store
/// like any other (a snapshot named there that is gone sends the add back to listing), and a chunk is
/// used only if its bytes hash to its id. Failing to read or write it never fails a sync; a cache
/// directory that is a symbolic link, another user's, or writable by others is not used at all.
/// </summary>
internal sealed class ArchiveCache
{
    private const string NewestName = "newest";
    private const string MapFolder = "map";
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OthersMayWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    private readonly string _directory;

    private ArchiveCache(string directory) => _directory = directory;

    /// <summary>The cache of the archive <paramref name="archiveId"/> under <paramref name="root"/>, made if need be; null when it cannot be used.</summary>
    public static ArchiveCache? Open(string? root, ReadOnlySpan<byte> archiveId)
    {
        if (root is null || OperatingSystem.IsWindows())
        {
            return null;
        }
        var directory = Path.Combine(root, Convert.ToHexStringLower(archiveId));
        try
        {
            foreach (var path in new[] { root, directory, Path.Combine(directory, MapFolder) })
            {
                Directory.CreateDirectory(path, PrivateDirectory);
                if (!IsPrivate(path))
                {
                    return null;
                }
            }
            return new ArchiveCache(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The newest snapshot's key this machine knows of, or null.</summary>
    public string? NewestSnapshotKey
    {
        get
        {
            var bytes = ReadFile(Path.Combine(_directory, NewestName), 256);
            var key = bytes is null ? null : Encoding.ASCII.GetString(bytes).Trim();
            return key is not null && SnapshotRecord.ParseKey(key) is not null ? key : null;
        }
        set => WriteFile(Path.Combine(_directory, NewestName), Encoding.ASCII.GetBytes(value + "\n"));
    }

    /// <summary>The plain bytes of the map chunk <paramref name="id"/>, if kept and whole (they hash to it under <paramref name="sealer"/>).</summary>
    public byte[]? MapChunk(BlobId id, Sealer sealer)
    {
        var bytes = ReadFile(ChunkPath(id), PageMapChunk.MaxLength);
        return bytes is not null && sealer.IdOf(bytes) == id ? bytes : null;
    }

    /// <summary>Keeps the plain bytes of a map chunk.</summary>
    public void KeepMapChunk(BlobId id, ReadOnlySpan<byte> plain) => WriteFile(ChunkPath(id), plain);

    /// <summary>Lets go of every kept chunk but those of <paramref name="map"/> (the newest map: the only one an add reads).</summary>
    public void KeepOnly(IReadOnlyCollection<BlobId> map)
    {
        var wanted = map.Select(id => id.ToString()).ToHashSet(StringComparer.Ordinal);
        try
        {
            foreach (var path in Directory.EnumerateFiles(Path.Combine(_directory, MapFolder)))
            {
                if (!wanted.Contains(Path.GetFileName(path)))
                {
                    File.Delete(path);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private string ChunkPath(BlobId id) => Path.Combine(_directory, MapFolder, id.ToString());

    /// <summary>Whether a cache directory is a real directory of this user that no one else may write to.</summary>
    private static bool IsPrivate(string path) =>
        !OperatingSystem.IsWindows() && Libc.LinkStatus(path) is { IsLink: false } status && status.Owner == Libc.EffectiveUserId()
            && (File.GetUnixFileMode(path) & OthersMayWrite) == 0;

    private static byte[]? ReadFile(string path, int maxLength)
    {
        try
        {
            using var file = File.OpenRead(path);
            if (file.Length > maxLength)
            {
                return null;
            }
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes a new file beside <paramref name="path"/> (created new, no symbolic link followed: <see cref="NewFile"/>) and renames
    /// it over: readers in other processes see the old bytes or the new.
    /// </summary>
    private static void WriteFile(string path, ReadOnlySpan<byte> bytes)
    {
        var temporary = NewFile.TemporaryNameFor(path, "tmp");
        try
        {
            using (var file = new FileStream(NewFile.Create(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite), FileAccess.Write))
            {
                file.Write(bytes);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
