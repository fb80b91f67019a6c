namespace SqlRsync;

/// <summary>
/// A snapshot archive (a directory, on this machine or another, or object storage) as a side of a sync. As the replica,
/// the sync adds a snapshot of the origin to it (making the archive first if the directory does not
/// exist); as the origin, it restores the snapshot <see cref="At"/> names into the replica, sending
/// only the pages that differ. All of the archive's work is done in this process; on another host an
/// agent only keeps its objects (so an encrypted archive's key never leaves this machine).
/// docs/archive.md says how an archive is laid out and what it guarantees.
/// </summary>
public sealed class ArchiveEndpoint : SyncEndpoint
{
    /// <summary>The archive in <paramref name="directory"/> on this machine.</summary>
    public ArchiveEndpoint(string directory)
        : base(directory)
    {
    }

    /// <summary>
    /// The archive in the directory <paramref name="remote"/> names on its host, whose transport starts
    /// the agent that keeps its objects (<see cref="AgentRole.Archive"/>).
    /// </summary>
    public ArchiveEndpoint(RemoteEndpoint remote)
        : base((remote ?? throw new ArgumentNullException(nameof(remote))).Path)
    {
        Remote = remote;
    }

    /// <summary>The archive kept in <paramref name="storage"/> (object storage: sqlrsync's S3 package, or a store of one's own).</summary>
    public ArchiveEndpoint(ObjectStorage storage)
        : base((storage ?? throw new ArgumentNullException(nameof(storage))).Location)
    {
        Storage = storage;
    }

    /// <summary>The host and transport of an archive on another machine; null for one on this machine.</summary>
    public RemoteEndpoint? Remote { get; }

    /// <summary>The object storage that keeps the archive; null for an archive in a directory.</summary>
    public ObjectStorage? Storage { get; }

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

    /// <summary>The directory (HOST:DIR for a remote one), and the snapshot asked for if any.</summary>
    public override string ToString() => (Remote?.ToString() ?? Path) + (At is null ? "" : $"@{At}");
}
