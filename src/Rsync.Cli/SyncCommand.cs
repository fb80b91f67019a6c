using SqlRsync.Platform;

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

    /// <summary>One origin, several replicas: checked like one, then synced from one snapshot.</summary>
    public static int RunToMany(Endpoint origin, IReadOnlyList<Endpoint> replicas, SyncOptions options, RemoteSettings remote, OutputSettings output)
    {
        if (replicas.GroupBy(replica => replica.ToString()).FirstOrDefault(group => group.Count() > 1) is { } repeated)
        {
            return Program.Usage($"{repeated.Key} is named twice; name each replica once");
        }
        var locals = replicas.Where(replica => !replica.IsRemote).ToList();
        foreach (var replica in locals.Where(replica => File.Exists(replica.Path)))
        {
            if (FileIdentity.IsSameFile(origin.Path, replica.Path))
            {
                return Program.Usage($"origin and replica are the same file ({replica.Path}); name a different replica");
            }
            if (locals.FirstOrDefault(other => other != replica && File.Exists(other.Path) && FileIdentity.IsSameFile(other.Path, replica.Path)) is { } twin)
            {
                return Program.Usage($"{replica.Path} and {twin.Path} are the same file; name each replica once");
            }
        }
        UnsafeFilesystem.WarnIfOn(output, "origin", origin.Path);
        foreach (var replica in locals)
        {
            UnsafeFilesystem.WarnIfOn(output, "replica", replica.Path);
        }
        return SyncRunner.RunToMany(output, origin.ToString(), [.. replicas.Select(replica => replica.ToString())],
            SyncEndpoint.Local(origin.Path), [.. replicas.Select(replica => ToSyncEndpoint(replica, remote))], options);
    }

    /// <summary>ORIGIN_DIR/ to REPLICA_DIR: every database in one, synced into the other.</summary>
    public static int RunDirectory(Endpoint origin, Endpoint replica, DirectoryOptions selection, SyncOptions options, RemoteSettings remote, OutputSettings output)
    {
        if (!origin.IsRemote && !replica.IsRemote && Directory.Exists(replica.Path) && FileIdentity.IsSameFile(origin.Path, replica.Path))
        {
            return Program.Usage($"origin and replica are the same directory ({origin.Path}); name a different replica directory");
        }
        return SyncRunner.RunDirectory(output, origin.ToString(), replica.ToString(), ToSyncEndpoint(origin, remote), ToSyncEndpoint(replica, remote), selection, options);
    }

    private static SyncEndpoint ToSyncEndpoint(Endpoint endpoint, RemoteSettings remote) =>
        endpoint.IsRemote ? remote.EndpointFor(endpoint) : SyncEndpoint.Local(endpoint.Path);
}
