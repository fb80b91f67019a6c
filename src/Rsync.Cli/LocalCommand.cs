using Rsync.Core.Files;
using Rsync.Core.Sync;

namespace Rsync.Cli;

/// <summary>`sqlrsync ORIGIN REPLICA` with both paths on this machine.</summary>
internal static class LocalCommand
{
    public static int Run(string origin, string replica, SyncSettings settings, OutputSettings output)
    {
        if (LocalPaths.OriginProblem(origin) is { } originProblem)
        {
            return SyncRunner.Fail(output, origin, replica, originProblem);
        }
        if (LocalPaths.ReplicaProblem(replica) is { } replicaProblem)
        {
            return SyncRunner.Fail(output, origin, replica, replicaProblem);
        }
        if (File.Exists(replica) && FileIdentity.IsSameFile(origin, replica))
        {
            return Program.Usage($"origin and replica are the same file ({origin}); name a different replica");
        }
        LocalPaths.WarnIfUnsafe(output, ("origin", origin), ("replica", replica));
        return SyncRunner.Run(output, origin, replica, progress => LocalSync.Run(origin, replica, settings, progress), e => e.Message);
    }
}
