using System.Diagnostics;
using Rsync.Core.Sync;
using Rsync.Protocol.Messages;

namespace Rsync.Cli;

/// <summary>`sqlrsync ORIGIN REPLICA` with one side on another host: push (remote replica) or pull (remote origin).</summary>
internal static class RemoteCommandLine
{
    public static int Run(Endpoint origin, Endpoint replica, SyncSettings settings, SshSettings ssh, bool verbose)
    {
        var local = origin.IsRemote ? replica : origin;
        string? problem = origin.IsRemote ? LocalPaths.ReplicaProblem(local.Path) : LocalPaths.OriginProblem(local.Path);
        if (problem is not null)
        {
            return Program.Failed(problem);
        }

        var clock = Stopwatch.StartNew();
        SshAgent agent;
        try
        {
            agent = SshAgent.Start(ssh, origin.IsRemote ? origin : replica, origin.IsRemote ? "--origin" : "--replica", settings.BusyTimeout);
        }
        catch (FormatException e)
        {
            return Program.Usage(e.Message);
        }

        using (agent)
        {
            try
            {
                var result = origin.IsRemote
                    ? ReplicaRole.Run(local.Path, agent.Input, agent.Output, settings)
                    : OriginRole.Run(local.Path, agent.Input, agent.Output, settings);
                agent.Output.Dispose();
                agent.WaitForExit();
                if (verbose)
                {
                    Console.Error.WriteLine(Summary.Line(result, clock.Elapsed));
                }
                return Program.Success;
            }
            catch (Exception e) when (e is SyncException or PeerErrorException)
            {
                if (e is PeerErrorException)
                {
                    return Program.Failed($"{agent.Host}: {e.Message}");
                }
                // Let the agent see the end of its input, so ssh exits and tells us how.
                try
                {
                    agent.Output.Dispose();
                }
                catch (IOException)
                {
                }
                return Program.Failed(agent.Explain() ?? e.Message);
            }
        }
    }
}
