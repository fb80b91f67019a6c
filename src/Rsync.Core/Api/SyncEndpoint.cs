namespace SqlRsync;

/// <summary>
/// One side of a sync: a database file on this machine (<see cref="Local"/>), or on another host
/// (<see cref="RemoteEndpoint"/>; the SqlRsync.Ssh package reaches hosts over ssh), or a snapshot
/// archive (<see cref="Archive"/>).
/// </summary>
public abstract class SyncEndpoint
{
    private protected SyncEndpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The database file's path, on the host it is on.</summary>
    public string Path { get; }

    /// <summary>A database file on this machine. It need not exist yet when it is the replica.</summary>
    public static SyncEndpoint Local(string path) => new LocalEndpoint(path);

    /// <summary>A snapshot archive in a directory on this machine; as the replica it need not exist yet (see <see cref="ArchiveEndpoint"/>).</summary>
    public static ArchiveEndpoint Archive(string directory) => new(directory);

    /// <summary>The path, or HOST:PATH for a remote endpoint.</summary>
    public override string ToString() => Path;
}

/// <summary>A database file on this machine.</summary>
internal sealed class LocalEndpoint(string path) : SyncEndpoint(path);
