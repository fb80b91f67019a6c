using Microsoft.Win32.SafeHandles;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Protocol.Sqlite3Rsync;
using SqlRsync.Ssh;

namespace SqlRsync.Cli;

/// <summary>
/// `sqlrsync --serve --allow DIR [--read-only | --write-only] [--allow-delete]`: the command that an
/// authorized_keys line forces for a backup key (command="..."), as rrsync does for rsync. Such a key
/// deletes nothing (a directory sync's --delete) unless its line says --allow-delete. sshd puts what the client
/// asked to run in SSH_ORIGINAL_COMMAND; only sqlrsync's own agent commands for databases inside the
/// allowed directories are served, by running the agent in this process — no shell ever sees the
/// command. Anything else is refused with one line and exit code 1, before any file is opened.
/// </summary>
internal static class ServeCommand
{
    /// <summary>Which way a key may sync: read-only keys may only pull (serve an origin), write-only keys only push.</summary>
    public enum Access { Both, ReadOnly, WriteOnly }

    public static int Run(AllowedDirectories allowed, Access access, bool allowDelete, OutputSettings display)
    {
        string? original = Environment.GetEnvironmentVariable("SSH_ORIGINAL_COMMAND");
        if (original is null)
        {
            return Refuse(null, "sqlrsync --serve is a forced command for authorized_keys and serves only what an ssh client asks to run " +
                                "(SSH_ORIGINAL_COMMAND); this login asked for nothing");
        }
        var command = AgentCommandLine.Parse(original);
        if (command is null)
        {
            return Refuse(null, $"refused: this key may only run sqlrsync syncs, not \"{Printable(original)}\"");
        }
        if (access == Access.ReadOnly && !command.IsOrigin)
        {
            return Refuse(command, $"refused: this key may only pull from this host (--read-only); it cannot write {command.Path}");
        }
        if (access == Access.WriteOnly && command.IsOrigin)
        {
            return Refuse(command, $"refused: this key may only push to this host (--write-only); it cannot read {command.Path}");
        }
        string path;
        try
        {
            path = allowed.Confine(command.Path, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
            // From here on this process follows no symbolic link and opens nothing outside these directories.
            SqlRsync.Platform.PathPolicy.ConfineTo(allowed.RealPaths);
        }
        catch (FormatException e)
        {
            return Refuse(command, $"refused: {e.Message}");
        }
        if (command.Bootstrapped)
        {
            // The client ran the bootstrap script's command: it waits for the script's "agent follows".
            using var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
            stdout.Write("\0R"u8);
        }
        return Agent.Run(command with { Path = path }, display, mayDelete: allowDelete);
    }

    /// <summary>
    /// One line on stderr and exit code 1; a client that sent a well-formed agent command also gets the
    /// line as an error message of its protocol (ours, or sqlite3_rsync's), so it prints it as its own line.
    /// </summary>
    private static int Refuse(AgentCommandLine? command, string problem)
    {
        if (command is not null)
        {
            try
            {
                using var output = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
                if (command.Sqlite3Rsync)
                {
                    // sqlite3_rsync prints the text of its peer's ERROR message.
                    var writer = new Sqlite3RsyncWriter(output);
                    writer.Write(command.IsOrigin ? Sqlite3RsyncMessage.OriginError : Sqlite3RsyncMessage.ReplicaError);
                    writer.WriteText(problem);
                    writer.Flush();
                }
                else
                {
                    var writer = new FrameWriter(output);
                    ErrorMessage.Write(writer, (byte)SyncFailure.Refused, problem);
                    writer.Flush();
                }
            }
            catch (IOException)
            {
            }
        }
        return Program.Failed(problem);
    }

    private static string Printable(string text)
    {
        var shown = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return shown.Length <= 200 ? shown : shown[..200] + "...";
    }
}
