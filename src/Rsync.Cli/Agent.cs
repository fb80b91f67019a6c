using Microsoft.Win32.SafeHandles;
using SqlRsync.Dialects.Sqlite3Rsync;
using SqlRsync.Engine;
using SqlRsync.Protocol.Sqlite3Rsync;
using SqlRsync.Ssh;

namespace SqlRsync.Cli;

/// <summary>
/// `sqlrsync --origin PATH` and `sqlrsync --replica PATH`: one role spoken on stdin/stdout, as ssh runs
/// it. Started in sqlite3_rsync's argument shape (`--origin ORIGIN REPLICA_NAME`), the origin speaks
/// sqlite3_rsync's protocol; a replica tells which protocol its peer speaks from the first byte it
/// sends: 0x41 (sqlite3_rsync's ORIGIN_BEGIN) or our Hello. An origin always speaks first in both.
/// </summary>
internal static class Agent
{
    /// <summary>Runs the agent; <paramref name="mayDelete"/>: whether a directory session may delete replica databases its client asks it to.</summary>
    public static int Run(AgentCommandLine command, OutputSettings display, bool mayDelete = true)
    {
        string path = command.Path;
        var options = new SyncOptions { BusyTimeout = TimeSpan.FromSeconds(command.BusyTimeoutSeconds), WalOnly = command.WalOnly };
        display = display with { Quiet = display.Quiet || command.Quiet };
        // Relayed by the calling side as "HOST: sqlrsync: warning: ...".
        UnsafeFilesystem.WarnIfOn(display, command.IsOrigin ? "origin" : "replica", path);
        // Held until the process ends, which closes them.
        SqlRsync.Platform.WidePipes.OfThisProcess.Widen(0);
        SqlRsync.Platform.WidePipes.OfThisProcess.Widen(1);
        // Raw descriptors, not Console streams: those silently drop writes to a closed pipe, which
        // would leave an agent waiting for an answer from a peer that is gone.
        using var input = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1);
        using var output = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
        try
        {
            if (command.CommCheck)
            {
                AnswerCommCheck(command, input, output);
            }
            else if (command.Directory)
            {
                SqlRsync.Topologies.DirectorySession.Serve(path, command.IsOrigin, input, output, options, mayDelete);
            }
            else if (command.IsOrigin)
            {
                _ = command.Sqlite3Rsync
                    ? Sqlite3RsyncOrigin.Run(path, input, output, options, new ProgressTracker(), Sqlite3RsyncProtocol.LatestVersion)
                    : DatabaseSync.RunOriginAsync(path, input, output, options).GetAwaiter().GetResult();
            }
            else
            {
                int first = input.ReadByte();
                var peer = new PutBackStream(input, first);
                _ = Sqlite3RsyncProtocol.StartsConversation(first)
                    ? Sqlite3RsyncReplica.Run(path, peer, output, options, new ProgressTracker(), Sqlite3RsyncProtocol.LatestVersion)
                    : DatabaseSync.RunReplicaAsync(path, peer, output, options).GetAwaiter().GetResult();
            }
            return Program.Success;
        }
        catch (SyncException e)
        {
            return Program.Failed(e.Message);
        }
        catch (Exception e) when (e is IOException or SqlRsync.Protocol.ProtocolException)
        {
            // The client went away (or spoke nonsense) outside any one database's conversation.
            return Program.Failed(FailureText.Normalize(e).Message);
        }
    }

    /// <summary>sqlite3_rsync's --commcheck: say who we are and end, without opening any database.</summary>
    private static void AnswerCommCheck(AgentCommandLine command, Stream input, Stream output)
    {
        var writer = new Sqlite3RsyncWriter(output);
        writer.Write(command.IsOrigin ? Sqlite3RsyncMessage.OriginMessage : Sqlite3RsyncMessage.ReplicaMessage);
        writer.WriteText($"sqlrsync {VersionReport.ProgramVersion} as sqlite3_rsync's {(command.IsOrigin ? "origin" : "replica")} for {command.Path}, protocol {Sqlite3RsyncProtocol.LatestVersion}");
        writer.Write(command.IsOrigin ? Sqlite3RsyncMessage.OriginEnd : Sqlite3RsyncMessage.ReplicaEnd);
        writer.Flush();
        input.CopyTo(Stream.Null);
    }
}
