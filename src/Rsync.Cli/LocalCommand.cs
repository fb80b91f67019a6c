using System.Diagnostics;
using Rsync.Core.Sync;
using Rsync.Protocol.Messages;

namespace Rsync.Cli;

/// <summary>`sqlrsync ORIGIN REPLICA` with both paths on this machine.</summary>
internal static class LocalCommand
{
    public static int Run(string origin, string replica, SyncSettings settings, bool verbose)
    {
        if (LocalPaths.OriginProblem(origin) is { } originProblem)
        {
            return Program.Failed(originProblem);
        }
        if (LocalPaths.ReplicaProblem(replica) is { } replicaProblem)
        {
            return Program.Failed(replicaProblem);
        }
        if (File.Exists(replica) && FileIdentity.IsSameFile(origin, replica))
        {
            return Program.Usage($"origin and replica are the same file ({origin})");
        }

        var clock = Stopwatch.StartNew();
        try
        {
            var result = LocalSync.Run(origin, replica, settings);
            if (verbose)
            {
                Console.Error.WriteLine(Summary.Line(result, clock.Elapsed));
            }
            return Program.Success;
        }
        catch (Exception e) when (e is SyncException or PeerErrorException)
        {
            return Program.Failed(e.Message);
        }
    }
}
