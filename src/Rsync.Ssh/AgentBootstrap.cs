using System.Globalization;
using System.Text;

namespace SqlRsync.Ssh;

/// <summary>
/// Starts the remote agent on a host that may have no sqlrsync, in the one ssh session of the sync:
/// the remote command is a POSIX sh script that runs an installed sqlrsync of our protocol if there is
/// one, else a runnable copy whose SHA-256 matches in one of its upload directories (the one the user
/// named, else ~/.cache/sqlrsync, then /var/tmp/sqlrsync-UID and /tmp/sqlrsync-UID for a home mounted
/// noexec: each the user's own, never a symbolic link, 0700, holding VERSION-SHA256/sqlrsync), else asks this side to send
/// its own executable, writes it to a temporary name, checks its SHA-256, renames it into place, checks
/// that it runs (a noexec mount is found here, and the copy moves on to the next directory) and runs
/// it. A copy that does not match is replaced, never run. Storing a copy also removes what earlier
/// runs left: temporary files of uploads whose process is gone, and all but the two newest versions.
/// The script knows nothing of the user's paths: they are its arguments, each single-quoted, and the
/// script text has no newline, ', ! or backslash but for printf's NUL, so any login shell passes it on
/// unchanged. Before the agent speaks the protocol, the script answers with a NUL and a letter:
/// R (the agent follows), U (send the executable now), N (none, and nothing to send), A (another
/// platform, named on the line after it), E (a failure, said on the line after it).
/// </summary>
internal static class AgentBootstrap
{
    /// <summary>The script's name as $0: `sqlrsync --serve` recognises the whole command by it and by the script's text.</summary>
    public const string ScriptName = "sqlrsync-bootstrap";

    /// <summary>
    /// Arguments: protocol, version, SHA-256, size (0: nothing to send), platform (uname -sm), role,
    /// database, busy timeout, the agent's flags (-q, --cycles, both or nothing; split where they run),
    /// upload directory (empty: the defaults).
    /// </summary>
    public const string Script =
        "p=$1; v=$2; h=$3; n=$4; w=$5; r=$6; db=$7; bt=$8; q=$9; u=${10}; " +
        "PATH=\"$PATH:$HOME/.dotnet/tools:/usr/local/bin\"; " +
        "s() { sha256sum < \"$1\" 2>/dev/null || shasum -a 256 < \"$1\" 2>/dev/null; }; " +
        "m() { printf \"\\000%s\" \"$1\"; }; " +
        "run() { m R; exec \"$1\" \"$r\" \"$db\" --busy-timeout \"$bt\" $q; }; " +
        "ok() { [ -f \"$1\" ] && [ -x \"$1\" ] && [ \"$(s \"$1\" | cut -c1-64)\" = \"$h\" ]; }; " +
        "own() { [ -h \"$1\" ] && return 1; mkdir -p \"$1\" 2>/dev/null; [ -d \"$1\" ] && [ ! -h \"$1\" ] && [ -O \"$1\" ] && chmod 700 \"$1\" " +
            "2>/dev/null; }; " +
        "if command -v sqlrsync >/dev/null 2>&1 && sqlrsync --version 2>/dev/null | grep -qx \"protocol $p\"; then run sqlrsync; fi; " +
        "if [ -n \"$u\" ]; then set -- \"$u\"; else set -- \"${XDG_CACHE_HOME:-$HOME/.cache}/sqlrsync\" \"/var/tmp/sqlrsync-$(id -u)\" " +
            "\"/tmp/sqlrsync-$(id -u)\"; fi; " +
        "for c in \"$@\"; do if ok \"$c/$v-$h/sqlrsync\"; then run \"$c/$v-$h/sqlrsync\"; fi; done; " +
        "if [ \"$n\" = 0 ]; then m N; exit 0; fi; " +
        "a=$(uname -sm); " +
        "if [ \"$a\" = \"$w\" ]; then :; else m A; printf \"%s\\n\" \"$a\"; exit 0; fi; " +
        "g=; tried=; " +
        "for c in \"$@\"; do d=\"$c/$v-$h\"; e=\"$d/sqlrsync\"; t=\"$d/.upload-$$\"; tried=\"$tried $d\"; " +
        "own \"$c\" && own \"$d\" || continue; " +
        "for o in \"$d\"/.upload-*; do [ -e \"$o\" ] || continue; k=${o##*.upload-}; kill -0 \"$k\" 2>/dev/null || rm -f \"$o\"; done; " +
        "if [ -z \"$g\" ]; then m U; head -c \"$n\" > \"$t\" 2>/dev/null; else cp \"$g\" \"$t\" 2>/dev/null; fi; " +
        "if [ \"$(s \"$t\" | cut -c1-64)\" = \"$h\" ] && chmod 700 \"$t\" && mv -f \"$t\" \"$e\"; then g=\"$e\"; else rm -f \"$t\"; [ -n \"$g\" ] " +
            "&& continue; m E; printf \"cannot store sqlrsync in %s\\n\" \"$d\"; exit 0; fi; " +
        "( cd \"$c\" && ls -1dt -- [0-9]*.*-*/ 2>/dev/null | tail -n +3 | while read -r y; do rm -rf -- \"$y\"; done ); " +
        "if \"$e\" --version >/dev/null 2>&1; then run \"$e\"; fi; " +
        "done; " +
        "m E; if [ -n \"$g\" ]; then printf \"sqlrsync was stored but cannot run in%s (a filesystem mounted noexec?)\\n\" \"$tried\"; else printf " +
            "\"cannot create a directory of its own in%s\\n\" \"$tried\"; fi; exit 0";

    private const int Limit = 1024;

    /// <summary>Where the database path is among the script's arguments.</summary>
    private const int DatabaseArgument = 6;

    /// <summary>
    /// The command for ssh to run remotely; <paramref name="upload"/> null means there is nothing to
    /// send; <paramref name="uploadDirectory"/> null means the default directories.
    /// </summary>
    public static string CommandLine(AgentRequest request, bool quiet, LocalExecutable? upload, string? uploadDirectory)
    {
        string[] arguments =
        [
            SyncAgent.ProtocolVersion.ToString(CultureInfo.InvariantCulture), Version, upload?.Sha256 ?? "none", (upload?.Size
                ?? 0).ToString(CultureInfo.InvariantCulture),
            upload?.Platform ?? LocalExecutable.UnamePlatform, request.RoleArgument, request.Path,
            ((int)request.BusyTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), AgentCommandLine.Flags(request, quiet), uploadDirectory ?? "",
        ];
        var quoted = arguments.Select(AgentCommandLine.Quote).ToArray();
        quoted[DatabaseArgument] = AgentCommandLine.QuotePath(request.Path);
        return $"exec /bin/sh -c {AgentCommandLine.Quote(Script)} {ScriptName} " + string.Join(' ', quoted);
    }

    /// <summary>
    /// Reads the script's answers and sends the executable when asked. Returns the number of bytes sent
    /// (0 when the agent was already there). A remote program that speaks the protocol at once (no
    /// script ran) is left to it, and so is a connection that ends here: the protocol's error and the
    /// transport's explanation then say why.
    /// </summary>
    /// <exception cref="SyncException">No sqlrsync there and none may or can be sent, another platform, or the copy could not be stored.</exception>
    public static long Converse(ActivityStream fromAgent, Stream toAgent, LocalExecutable? upload, bool uploadForbidden, string host)
    {
        long sent = 0;
        while (true)
        {
            int first = fromAgent.ReadByte();
            if (first != 0)
            {
                if (first > 0)
                {
                    fromAgent.PushBack((byte)first);
                }
                return sent;
            }
            switch (fromAgent.ReadByte())
            {
                case 'R':
                    return sent;
                case 'U' when upload is not null && sent == 0:
                    sent = Send(upload, fromAgent, toAgent);
                    break;
                case 'N':
                    throw new SyncException(SyncFailure.Transport, uploadForbidden
                        ? $"no sqlrsync of protocol {SyncAgent.ProtocolVersion} on {host}, and --no-upload (AllowUpload = false) forbids bringing " +
                            "one: install it there or name it with --exe (RemoteProgram)"
                        : $"sqlrsync not found on {host}: install it there, name it with --exe (RemoteProgram), or run the native single-file " +
                            "sqlrsync, which copies itself there");
                case 'A':
                    throw new SyncException(SyncFailure.Transport,
                        $"remote {host} is {Line(fromAgent)}; this sqlrsync is a {upload?.Platform ?? LocalExecutable.UnamePlatform} executable " +
                            "only: install sqlrsync there or name it with --exe (RemoteProgram)");
                case 'E':
                    throw new SyncException(SyncFailure.Transport,
                        $"{host}: {Line(fromAgent)}; sqlrsync could not bring itself there (name a directory there that is yours and may hold " +
                            "programs with --upload-dir (UploadDirectory), install sqlrsync there, or name it with --exe (RemoteProgram))");
                default:
                    throw new SyncException(SyncFailure.Protocol, $"{host} answered the start of sqlrsync with bytes it does not understand");
            }
        }
    }

    private static string Version =>
        typeof(AgentBootstrap).Assembly.GetName().Version is { } version ? $"{version.Major}.{version.Minor}.{version.Build}" : "0";

    /// <summary>Sends the executable, counting each chunk as activity for the silence watchdog.</summary>
    private static long Send(LocalExecutable upload, ActivityStream fromAgent, Stream toAgent)
    {
        using var file = File.OpenRead(upload.Path);
        var buffer = new byte[64 * 1024];
        long sent = 0;
        try
        {
            for (int read; (read = file.Read(buffer)) > 0 && sent < upload.Size;)
            {
                toAgent.Write(buffer, 0, (int)Math.Min(read, upload.Size - sent));
                sent += read;
                fromAgent.Touch();
            }
            toAgent.Flush();
        }
        catch (IOException)
        {
            // The script stopped reading (it could not store the file): its next answer says why.
        }
        return sent;
    }

    private static string Line(Stream stream)
    {
        var line = new StringBuilder();
        for (int b; line.Length < Limit && (b = stream.ReadByte()) > 0 && b != '\n';)
        {
            line.Append(char.IsControl((char)b) ? ' ' : (char)b);
        }
        return line.ToString().Trim();
    }
}
