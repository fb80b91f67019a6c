using SqlRsync.Ssh;

namespace SqlRsync.Cli;

/// <summary>What a valid command line asks for, and what the user wants to see of it.</summary>
internal abstract record CommandRequest(OutputSettings Output);

/// <summary>`--serve`: serve the agent command an ssh client asked for, if a restricted key's rules allow it.</summary>
internal sealed record ServeRequest(ForcedCommandRules Rules, OutputSettings Output) : CommandRequest(Output);

/// <summary>A sync: one replica, several from one snapshot, or a directory of databases.</summary>
internal sealed record SyncRequest(SyncShape Shape, Endpoint Origin, IReadOnlyList<Endpoint> Replicas, DirectoryOptions Selection, SyncOptions Options,
    RemoteSettings Remote, OutputSettings Output) : CommandRequest(Output)
{
    /// <summary>The replica side as the user wrote it: one name, or several separated by spaces.</summary>
    public string ReplicaText => string.Join(' ', Replicas);

    /// <summary>What says which sides are archives, and how to open them.</summary>
    public ArchiveSettings Archive { get; init; } = new(false, null, null);

    /// <summary>With --watch: how often to sync; null for a single sync.</summary>
    public WatchSettings? Watch { get; init; }

    /// <summary>How to reach a side in object storage.</summary>
    public S3Settings S3 { get; init; } = new(EndpointUrl: null);
}

/// <summary>--watch with its --interval and --snapshot-every.</summary>
internal sealed record WatchSettings(TimeSpan Interval, TimeSpan SnapshotEvery);

/// <summary>`--make-key FILE`: write a new archive encryption key.</summary>
internal sealed record MakeKeyRequest(string Path, OutputSettings Output) : CommandRequest(Output);

/// <summary>`--list`, `--verify` or `--prune ARCHIVE`: a command on an archive that is not a sync.</summary>
/// <param name="Command">Which command.</param>
/// <param name="Archive">The archive, as the user named it.</param>
/// <param name="Settings">Its key file.</param>
/// <param name="Retention">With --prune: which snapshots to keep.</param>
/// <param name="DryRun">With --prune: say what would go, remove nothing.</param>
/// <param name="BusyTimeout">How long to wait for the archive's lock.</param>
/// <param name="Output">What to print.</param>
internal sealed record ArchiveRequest(ArchiveCommand Command, Endpoint Archive, ArchiveSettings Settings, SnapshotRetention Retention, bool DryRun,
    TimeSpan BusyTimeout, OutputSettings Output) : CommandRequest(Output)
{
    /// <summary>How to reach an archive on another host.</summary>
    public required RemoteSettings Remote { get; init; }

    /// <summary>How to reach an archive in object storage.</summary>
    public S3Settings S3 { get; init; } = new(EndpointUrl: null);
}

/// <summary>The commands on an archive that are not syncs.</summary>
internal enum ArchiveCommand
{
    /// <summary>--list: its snapshots.</summary>
    List,

    /// <summary>--verify: read everything its snapshots need and check it.</summary>
    Verify,

    /// <summary>--prune: remove the snapshots the --keep-* options do not keep.</summary>
    Prune,
}

/// <summary>
/// --archive (the replica is an archive, made if missing), --at (the snapshot an archive origin
/// restores) and --encryption-key (the key file).
/// </summary>
internal sealed record ArchiveSettings(bool ReplicaIsArchive, string? At, string? KeyFile)
{
    /// <summary>
    /// The endpoint a local path names: an archive when it is one (a directory holding an archive) or
    /// when <paramref name="asArchive"/> (--archive, for the replica); else a database.
    /// </summary>
    public SyncEndpoint Local(string path, bool asArchive) =>
        asArchive || SnapshotArchives.Exists(path) ? new ArchiveEndpoint(path) { At = At, KeyFile = KeyFile } : SyncEndpoint.Local(path);

    /// <summary>
    /// The endpoint a remote HOST:PATH names: an archive when <paramref name="asArchive"/> (--archive for
    /// the replica, --at for the origin: a remote directory cannot be recognised from here); else a database.
    /// </summary>
    public SyncEndpoint Remote(RemoteEndpoint remote, bool asArchive) =>
        asArchive ? new ArchiveEndpoint(remote) { At = At, KeyFile = KeyFile } : remote;

    /// <summary>The archive in object storage an s3:// side names: always an archive, with or without --archive.</summary>
    public ArchiveEndpoint Stored(ObjectStorage storage) => new(storage) { At = At, KeyFile = KeyFile };
}

/// <summary>The three shapes of a sync, which report alike.</summary>
internal enum SyncShape
{
    /// <summary>ORIGIN REPLICA.</summary>
    One,

    /// <summary>ORIGIN REPLICA REPLICA...: one snapshot to several replicas.</summary>
    Many,

    /// <summary>ORIGIN_DIR/ REPLICA_DIR: every database of a directory.</summary>
    Directory,
}
