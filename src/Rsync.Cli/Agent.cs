using Microsoft.Win32.SafeHandles;

namespace SqlRsync.Cli;

/// <summary>`sqlrsync --origin PATH` and `sqlrsync --replica PATH`: one role spoken on stdin/stdout, as ssh runs it.</summary>
internal static class Agent
{
    public static int Run(bool isOrigin, string path, SyncOptions options, OutputSettings display)
    {
        // Relayed by the calling side as "HOST: sqlrsync: warning: ...".
        UnsafeFilesystem.WarnIfOn(display, isOrigin ? "origin" : "replica", path);
        // Raw descriptors, not Console streams: those silently drop writes to a closed pipe, which
        // would leave an agent waiting for an answer from a peer that is gone.
        using var input = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1);
        using var output = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
        try
        {
            var sync = isOrigin
                ? DatabaseSync.RunOriginAsync(path, input, output, options)
                : DatabaseSync.RunReplicaAsync(path, input, output, options);
            sync.GetAwaiter().GetResult();
            return Program.Success;
        }
        catch (SyncException e)
        {
            return Program.Failed(e.Message);
        }
    }
}
