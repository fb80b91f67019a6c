using System.Globalization;

namespace SqlRsync;

/// <summary>
/// What sqlrsync's agent is asked to do on the host it runs on: serve the database at
/// <see cref="Path"/> (or, for a directory session, every database in that directory) as the origin or
/// the replica of a sync, speaking on its standard input and output. A transport
/// (<see cref="RemoteEndpoint.StartAgent"/>) turns it into the remote command; the agent reads it back
/// from its arguments (<see cref="FromArguments"/>) and runs <see cref="SyncAgent"/>.
/// </summary>
/// <param name="Role">The side the agent plays.</param>
/// <param name="Path">The database (or directory) on the agent's host.</param>
public sealed record AgentRequest(AgentRole Role, string Path)
{
    /// <summary>How long the agent waits for its database's locks. Default: <see cref="SyncOptions.BusyTimeout"/>'s.</summary>
    public TimeSpan BusyTimeout { get; init; } = new SyncOptions().BusyTimeout;

    /// <summary>A directory session (`--origin-dir`, `--replica-dir`): every database in <see cref="Path"/>, over one connection.</summary>
    public bool Directory { get; init; }

    /// <summary>No warnings on the agent's standard error (`-q`).</summary>
    public bool Quiet { get; init; }

    /// <summary>Refuse unless the database is a WAL database (sqlite3_rsync's `--wal-only`).</summary>
    public bool WalOnly { get; init; }

    /// <summary>
    /// sqlite3_rsync's protocol and argument shape (`--origin ORIGIN REPLICA`, `--replica ORIGIN REPLICA`): the
    /// remote program is sqlite3_rsync, or a sqlrsync serving as one. Its arguments also name the other
    /// side's file (<see cref="OtherName"/>).
    /// </summary>
    public bool Sqlite3Rsync { get; init; }

    /// <summary>In sqlite3_rsync's shape: the other side's file name, as sqlite3_rsync passes it.</summary>
    public string OtherName { get; init; } = "";

    /// <summary>sqlite3_rsync's `--commcheck`: say who answers, and open no database.</summary>
    public bool CommCheck { get; init; }

    /// <summary>
    /// Serve one sync after another over the same streams until the client ends its input between two
    /// (`--cycles`: a watch's cycles), each taking what the last one left (the replica's connection and
    /// tree), so that a cycle costs the pages that changed. Only a replica of a database serves cycles.
    /// </summary>
    public bool Cycles { get; init; }

    /// <summary>
    /// The agent's first argument: `--origin`, `--replica`, for a directory session `--origin-dir`,
    /// `--replica-dir`, and for an archive `--archive-store`.
    /// </summary>
    public string RoleArgument => Role == AgentRole.Archive ? ArchiveStoreArgument
        : (Role == AgentRole.Origin ? "--origin" : "--replica") + (Directory ? "-dir" : "");

    private const string ArchiveStoreArgument = "--archive-store";

    /// <summary>Whether <paramref name="word"/> is an agent's first argument (<see cref="RoleArgument"/>).</summary>
    public static bool IsRoleArgument(string word) => word is "--origin" or "--replica" or "--origin-dir" or "--replica-dir" or ArchiveStoreArgument;

    /// <summary>
    /// The request in an agent's arguments (after the program's name): ours,
    /// `--origin|--replica PATH [--busy-timeout N] [-q] [--cycles]` (or `--origin-dir|--replica-dir|--archive-store DIR ...`), or
    /// sqlite3_rsync's, `--origin [--wal-only] [--commcheck] ORIGIN REPLICA_NAME` or
    /// `--replica [...] ORIGIN_NAME REPLICA`; null when they are anything else.
    /// </summary>
    public static AgentRequest? FromArguments(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Count == 0 || !IsRoleArgument(words[0]))
        {
            return null;
        }
        var role = words[0] == ArchiveStoreArgument ? AgentRole.Archive
            : words[0].StartsWith("--origin", StringComparison.Ordinal) ? AgentRole.Origin : AgentRole.Replica;
        bool directory = words[0].EndsWith("-dir", StringComparison.Ordinal);
        var paths = new List<string>();
        int busyTimeout = (int)new SyncOptions().BusyTimeout.TotalSeconds;
        bool quiet = false, walOnly = false, commCheck = false, cycles = false;
        for (int at = 1; at < words.Count; at++)
        {
            string word = words[at];
            if (word == "--busy-timeout" && at + 1 < words.Count && int.TryParse(words[at + 1], NumberStyles.None, CultureInfo.InvariantCulture,
                out busyTimeout))
            {
                at++;
            }
            else if (word is "-q" or "--quiet")
            {
                quiet = true;
            }
            else if (word == "--wal-only")
            {
                walOnly = true;
            }
            else if (word == "--commcheck")
            {
                commCheck = true;
            }
            else if (word == "--cycles")
            {
                cycles = true;
            }
            else if (word.StartsWith('-') && at > 1)
            {
                return null;
            }
            else
            {
                // Right after the role, a word is a path even if it starts with '-': the client quotes it.
                paths.Add(word);
            }
        }
        var shared = new AgentRequest(role, "") { BusyTimeout = TimeSpan.FromSeconds(busyTimeout), Quiet = quiet, WalOnly = walOnly };
        if (cycles && (role != AgentRole.Replica || directory || paths.Count != 1))
        {
            return null;
        }
        return paths switch
        {
            [{ Length: > 0 } path] when !commCheck => shared with { Path = path, Directory = directory, Cycles = cycles },
            [var origin, var replica] when !directory && role != AgentRole.Archive && (role == AgentRole.Origin ? origin : replica).Length > 0 => shared with
            {
                Path = role == AgentRole.Origin ? origin : replica,
                OtherName = role == AgentRole.Origin ? replica : origin,
                Sqlite3Rsync = true,
                CommCheck = commCheck,
            },
            _ => null,
        };
    }
}
