using Rsync.Core.Sync;

namespace Rsync.Cli;

/// <summary>`sqlrsync --origin PATH` and `sqlrsync --replica PATH`: one role spoken on stdin/stdout, as ssh runs it.</summary>
internal static class Agent
{
    public static int Run(string? originPath, string? replicaPath, SyncSettings settings)
    {
        using var input = Console.OpenStandardInput();
        using var output = Console.OpenStandardOutput();
        try
        {
            if (originPath is not null)
            {
                OriginRole.Run(originPath, input, output, settings);
            }
            else
            {
                ReplicaRole.Run(replicaPath!, input, output, settings);
            }
            return Program.Success;
        }
        catch (Exception e) when (e is SyncException or Rsync.Protocol.Messages.PeerErrorException)
        {
            return Program.Failed(e.Message);
        }
    }
}
