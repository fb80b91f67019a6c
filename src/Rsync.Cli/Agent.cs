using Microsoft.Win32.SafeHandles;
using Rsync.Core.Sync;

namespace Rsync.Cli;

/// <summary>`sqlrsync --origin PATH` and `sqlrsync --replica PATH`: one role spoken on stdin/stdout, as ssh runs it.</summary>
internal static class Agent
{
    public static int Run(string? originPath, string? replicaPath, SyncSettings settings, OutputSettings display)
    {
        // Relayed by the calling side as "HOST: sqlrsync: warning: ...".
        LocalPaths.WarnIfUnsafe(display, originPath is not null ? ("origin", originPath) : ("replica", replicaPath!));
        // Raw descriptors, not Console streams: those silently drop writes to a closed pipe, which
        // would leave an agent waiting for an answer from a peer that is gone.
        using var input = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1);
        using var output = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
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
