using SqlRsync.Files;

namespace SqlRsync.Cli;

/// <summary>`sqlrsync ORIGIN REPLICA`: both on this machine, or one of them on another host reached through ssh.</summary>
internal static class SyncCommand
{
    public static int Run(Endpoint origin, Endpoint replica, SyncOptions options, RemoteSettings remote, OutputSettings output)
    {
        if (!origin.IsRemote && !replica.IsRemote && File.Exists(replica.Path) && FileIdentity.IsSameFile(origin.Path, replica.Path))
        {
            return Program.Usage($"origin and replica are the same file ({origin.Path}); name a different replica");
        }
        foreach (var (side, endpoint) in new[] { ("origin", origin), ("replica", replica) })
        {
            if (!endpoint.IsRemote)
            {
                UnsafeFilesystem.WarnIfOn(output, side, endpoint.Path);
            }
        }
        return SyncRunner.Run(output, origin.ToString(), replica.ToString(), ToSyncEndpoint(origin, remote), ToSyncEndpoint(replica, remote), options);
    }

    private static SyncEndpoint ToSyncEndpoint(Endpoint endpoint, RemoteSettings remote) =>
        endpoint.IsRemote ? remote.EndpointFor(endpoint) : SyncEndpoint.Local(endpoint.Path);
}
