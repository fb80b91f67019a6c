namespace SqlRsync.Cli;

/// <summary>`sqlrsync ORIGIN REPLICA`: both on this machine, or one of them on another host reached through ssh.</summary>
internal static class SyncCommand
{
    public static int Run(Endpoint origin, Endpoint replica, SyncOptions options, RemoteSettings remote, OutputSettings output) =>
        SyncRunner.Run(output, origin.ToString(), replica.ToString(), ToSyncEndpoint(origin, remote), ToSyncEndpoint(replica, remote), WithWarnings(options, output));

    /// <summary>One origin, several replicas: checked like one, then synced from one snapshot.</summary>
    public static int RunToMany(Endpoint origin, IReadOnlyList<Endpoint> replicas, SyncOptions options, RemoteSettings remote, OutputSettings output) =>
        SyncRunner.RunToMany(output, origin.ToString(), [.. replicas.Select(replica => replica.ToString())],
            SyncEndpoint.Local(origin.Path), [.. replicas.Select(replica => ToSyncEndpoint(replica, remote))], WithWarnings(options, output));

    /// <summary>ORIGIN_DIR/ to REPLICA_DIR: every database in one, synced into the other.</summary>
    public static int RunDirectory(Endpoint origin, Endpoint replica, DirectoryOptions selection, SyncOptions options, RemoteSettings remote, OutputSettings output) =>
        SyncRunner.RunDirectory(output, origin.ToString(), replica.ToString(), ToSyncEndpoint(origin, remote), ToSyncEndpoint(replica, remote), selection, options);

    private static SyncEndpoint ToSyncEndpoint(Endpoint endpoint, RemoteSettings remote) =>
        endpoint.IsRemote ? remote.EndpointFor(endpoint) : SyncEndpoint.Local(endpoint.Path);

    /// <summary>Warnings about a side (a database on a network filesystem) go to stderr, unless quiet.</summary>
    private static SyncOptions WithWarnings(SyncOptions options, OutputSettings output) =>
        options with { Warnings = output.Quiet ? null : Console.Error.WriteLine };
}
