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
