namespace SqlRsync;

/// <summary>
/// A snapshot archive on this machine (a directory) as a side of a sync. As the replica, the sync
/// adds a snapshot of the origin to it (making the archive first if the directory does not exist);
/// as the origin, it restores the snapshot <see cref="At"/> names into the replica, sending only the
/// pages that differ. docs/archive.md says how an archive is laid out and what it guarantees.
/// </summary>
public sealed class ArchiveEndpoint : SyncEndpoint
{
    /// <summary>The archive in <paramref name="directory"/>.</summary>
    public ArchiveEndpoint(string directory)
        : base(directory)
    {
    }

    /// <summary>
    /// Which snapshot a restore reads: null or "latest" (the newest), a snapshot id (or a prefix of at
    /// least 4 digits only it has), or a time (ISO 8601; without a zone, UTC): the last snapshot taken
    /// at or before it.
    /// </summary>
    /// <exception cref="ArgumentException">It names no snapshot in any archive (it is none of these).</exception>
    public string? At
    {
        get => _at;
        init => _at = Engine.Archives.SnapshotSelector.Parse(value) is null ? throw new ArgumentException(Engine.Archives.SnapshotSelector.Problem(value!),
            nameof(At)) : value;
    }

    private readonly string? _at;

    /// <summary>The file holding the archive's encryption key (<see cref="SnapshotArchives.MakeKey"/>), or null when it is not encrypted.</summary>
    public string? KeyFile { get; init; }

    /// <summary>The directory, or the directory and the snapshot asked for.</summary>
    public override string ToString() => At is null ? Path : $"{Path}@{At}";
}
