using Microsoft.Win32.SafeHandles;

namespace SqlRsync.Ssh;

/// <summary>
/// `sqlrsync --serve --allow DIR [--read-only | --write-only] [--allow-delete] [--append-only]`: the command that an
/// authorized_keys line forces for a backup key (command="..."), as rrsync does for rsync. sshd puts
/// what the client asked to run in SSH_ORIGINAL_COMMAND; only sqlrsync's own agent commands (and
/// sqlite3_rsync's) for databases inside the allowed directories are served, by running the agent in
/// this process — no shell ever sees the command. Such a key deletes nothing (a directory sync's
/// --delete) unless its rules allow it. Anything else is refused before any file is opened.
/// </summary>
public static class ForcedCommand
{
    /// <summary>
    /// Serves <paramref name="requested"/> (SSH_ORIGINAL_COMMAND) on this process's standard input and
    /// output if <paramref name="rules"/> allow it.
    /// </summary>
    /// <exception cref="SyncException">
    /// The command is refused (<see cref="SyncFailure.Refused"/>; a client that sent a well-formed agent
    /// command was told why in its protocol), or the sync it asked for failed.
    /// </exception>
    public static void Serve(string? requested, ForcedCommandRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (requested is null)
        {
            throw Refused("sqlrsync --serve is a forced command for authorized_keys and serves only what an ssh client asks to run " +
                          "(SSH_ORIGINAL_COMMAND); this login asked for nothing");
        }
        var command = AgentCommandLine.Parse(requested)
            ?? throw Refused($"refused: this key may only run sqlrsync syncs, not \"{Printable(requested)}\"");
        var request = command.Request;
        // An archive's agent only keeps objects: what this key may do to them, it enforces (AgentOptions).
        bool isOrigin = request.Role == AgentRole.Origin;
        bool isReplica = request.Role == AgentRole.Replica;
        if (rules.Access == ForcedCommandAccess.ReadOnly && isReplica)
        {
            throw Refuse(request, $"refused: this key may only pull from this host (--read-only); it cannot write {request.Path}");
        }
        if (rules.Access == ForcedCommandAccess.WriteOnly && isOrigin)
        {
            throw Refuse(request, $"refused: this key may only push to this host (--write-only); it cannot read {request.Path}");
        }
        if (rules.AppendOnly && isReplica)
        {
            throw Refuse(request, $"refused: this key may only add snapshots to archives and read (--append-only); it cannot overwrite {request.Path}");
        }
        string path;
        try
        {
            path = rules.Allowed.Confine(request.Path, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        }
        catch (SyncException refused)
        {
            throw Refuse(request, refused.Message);
        }
        if (command.Bootstrapped)
        {
            // The client ran the bootstrap script's command: it waits for the script's "agent follows".
            using var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
            stdout.Write("\0R"u8);
        }
        // From here on this process follows no symbolic link and opens nothing outside the allowed directories.
        SyncAgent.RunOnStandardStreams(request with { Path = path }, new AgentOptions
        {
            MayDelete = rules.AllowDelete && !rules.AppendOnly,
            AppendOnly = rules.AppendOnly,
            ReadOnly = rules.Access == ForcedCommandAccess.ReadOnly,
            ConfinedTo = rules.Allowed,
            Warnings = rules.Warnings,
        });
    }

    /// <summary>Tells the client why, in its own protocol, so that it prints the reason as its own line.</summary>
    private static SyncException Refuse(AgentRequest request, string problem)
    {
        using var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
        SyncAgent.Refuse(request, stdout, problem);
        return Refused(problem);
    }

    private static SyncException Refused(string problem) => new(SyncFailure.Refused, problem);

    private static string Printable(string text)
    {
        var shown = new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
        return shown.Length <= 200 ? shown : shown[..200] + "...";
    }
}
