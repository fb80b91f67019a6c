using Rsync.Core.Sync;
using Rsync.Protocol.Messages;

namespace Rsync.Cli;

/// <summary>`sqlrsync ORIGIN REPLICA` with one side on another host: push (remote replica) or pull (remote origin).</summary>
internal static class RemoteCommandLine
{
    public static int Run(Endpoint origin, Endpoint replica, SyncSettings settings, SshSettings ssh, OutputSettings output)
    {
        var local = origin.IsRemote ? replica : origin;
        string? problem = origin.IsRemote ? LocalPaths.ReplicaProblem(local.Path) : LocalPaths.OriginProblem(local.Path);
        if (problem is not null)
        {
            return SyncRunner.Fail(output, origin.ToString(), replica.ToString(), problem);
        }
        LocalPaths.WarnIfUnsafe(output, (origin.IsRemote ? "replica" : "origin", local.Path));
        SshAgent agent;
        try
        {
            agent = SshAgent.Start(ssh, origin.IsRemote ? origin : replica, origin.IsRemote ? "--origin" : "--replica", settings.BusyTimeout, output.Quiet);
        }
        catch (FormatException e)
        {
            return Program.Usage(e.Message);
        }
        using (agent)
        {
            return SyncRunner.Run(output, origin.ToString(), replica.ToString(), progress =>
            {
                var result = origin.IsRemote
                    ? ReplicaRole.Run(local.Path, agent.Input, agent.Output, settings, progress)
                    : OriginRole.Run(local.Path, agent.Input, agent.Output, settings, progress);
                agent.Output.Dispose();
                agent.WaitForExit();
                return result;
            }, e => Explain(agent, e));
        }
    }

    private static string Explain(SshAgent agent, Exception e)
    {
        if (e is PeerErrorException)
        {
            return $"{agent.Host}: {e.Message}";
        }
        // Let the agent see the end of its input, so ssh exits and tells us how.
        try
        {
            agent.Output.Dispose();
        }
        catch (IOException)
        {
        }
        return agent.Explain() ?? e.Message;
    }
}
