using System.Text;

namespace SqlRsync.Ssh;

/// <summary>
/// The command line that starts sqlrsync's agent on a remote host: written by the client for ssh to
/// hand to the remote shell, and read back by `sqlrsync --serve` from SSH_ORIGINAL_COMMAND and by the
/// agent from its own arguments. sqlite3_rsync's shape is read (and written, for a remote sqlite3_rsync)
/// too: `[PATH=...] EXE --origin|--replica [--wal-only] [--commcheck] ORIGIN REPLICA [2>/dev/null]`.
/// Written: `PATH="$PATH:$HOME/.dotnet/tools:/usr/local/bin" 'EXE' --origin|--replica 'PATH'
/// --busy-timeout N [-q] [--cycles]`, every word the user supplies single-quoted, so no path can run a command
/// (PATH gains the directories `dotnet tool install -g` and manual installs use). Read: optional
/// NAME=value assignments (dropped), the program (any name: it is not what runs), then the role and
/// its path, and optionally --busy-timeout, -q and --cycles. The text is split as a POSIX shell would split it
/// (blanks, '...', "...", backslash), but nothing is expanded, and any other shell syntax (;, |, &amp;,
/// unquoted $, backquotes, redirections, globs, newlines...) makes it something else: no shell ever runs it.
/// </summary>
/// <remarks>
/// The bootstrap form (<see cref="AgentBootstrap"/>) is read back too, when its script is exactly ours:
/// <see cref="Bootstrapped"/> then says the client waits for the script's "agent follows" answer.
/// The words after the program are the agent's arguments, whose grammar is <see cref="AgentRequest.FromArguments"/>.
/// </remarks>
internal sealed record AgentCommandLine(AgentRequest Request, bool Bootstrapped = false)
{
    /// <summary>What sqlite3_rsync's client appends to the remote command unless it is verbose.</summary>
    private const string StderrDiscarded = " 2>/dev/null";

    /// <summary>
    /// The text for ssh to run a remote sqlite3_rsync (or a sqlrsync serving as one), in its own
    /// argument shape: the other side's name comes along, as sqlite3_rsync passes it.
    /// </summary>
    public static string WriteForSqlite3Rsync(string exe, AgentRequest request)
    {
        bool isOrigin = request.Role == AgentRole.Origin;
        return "PATH=\"$PATH:$HOME/bin:/usr/local/bin\" " +
            $"{Quote(exe)} {request.RoleArgument}{(request.WalOnly ? " --wal-only" : "")} " +
            (isOrigin ? $"{QuotePath(request.Path)} {Quote(request.OtherName)}" : $"{Quote(request.OtherName)} {QuotePath(request.Path)}");
    }

    /// <summary>The text for ssh to run remotely.</summary>
    public static string Write(string exe, AgentRequest request, bool quiet) =>
        "PATH=\"$PATH:$HOME/.dotnet/tools:/usr/local/bin\" " +
        $"{Quote(exe)} {request.RoleArgument} {QuotePath(request.Path)} --busy-timeout {(int)request.BusyTimeout.TotalSeconds}" +
        (Flags(request, quiet) is { Length: > 0 } flags ? " " + flags : "");

    /// <summary>
    /// The agent's flags after its busy timeout: each that is asked for, in this order, joined by a
    /// space (the bootstrap script takes them as one argument; <see cref="Parse"/> reads them back).
    /// </summary>
    public static string Flags(AgentRequest request, bool quiet) =>
        (quiet ? "-q" : "") + (quiet && request.Cycles ? " " : "") + (request.Cycles ? "--cycles" : "");

    /// <summary>
    /// Quotes a remote path for sh, all but a leading ~/ or ~USER/ (or a bare ~ or ~USER), which the
    /// remote shell then expands to that home directory, as with scp and rsync. `--serve`, which runs no
    /// shell, expands ~/ itself.
    /// </summary>
    public static string QuotePath(string path)
    {
        int slash = path.IndexOf('/');
        string head = slash < 0 ? path : path[..slash];
        if (!head.StartsWith('~') || head.AsSpan(1).IndexOfAnyExcept(UserNameCharacters) >= 0)
        {
            return Quote(path);
        }
        return slash < 0 ? head : head + "/" + Quote(path[(slash + 1)..]);
    }

    /// <summary>What a portable user name is made of (POSIX's portable filename characters).</summary>
    private static readonly System.Buffers.SearchValues<char> UserNameCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    /// <summary>Single-quotes a word for sh: inside '...' nothing is special except ' itself.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>The agent command in <paramref name="text"/>, or null when it is anything else.</summary>
    public static AgentCommandLine? Parse(string text)
    {
        // No control character anywhere, not even quoted: a newline is a second command to a shell.
        if (text.Any(c => char.IsControl(c) && c != '\t'))
        {
            return null;
        }
        // sqlite3_rsync's client discards its peer's stderr this way; the redirection is the only shell
        // syntax accepted, at the very end, and nothing runs a shell for it (stderr is the client's anyway).
        if (text.EndsWith(StderrDiscarded, StringComparison.Ordinal))
        {
            text = text[..^StderrDiscarded.Length];
        }
        var words = SplitWords(text);
        if (words is null)
        {
            return null;
        }
        // exec /bin/sh -c SCRIPT sqlrsync-bootstrap PROTOCOL VERSION SHA SIZE PLATFORM ROLE DATABASE BUSY FLAGS UPLOAD_DIR
        // (the script is unused here: --serve runs the agent itself)
        if (words is ["exec", "/bin/sh", "-c", AgentBootstrap.Script, AgentBootstrap.ScriptName, _, _, _, _, _, var role, { Length: > 0 } database,
            var busy, "" or "-q" or "--cycles" or "-q --cycles", _]
            && AgentRequest.FromArguments([role, database, "--busy-timeout", busy, .. words[13].Split(' ', StringSplitOptions.RemoveEmptyEntries)])
                is { Sqlite3Rsync: false } bootstrapped)
        {
            return new AgentCommandLine(bootstrapped, Bootstrapped: true);
        }
        int at = 0;
        while (at < words.Count && IsAssignment(words[at]))
        {
            at++;
        }
        return AgentRequest.FromArguments(words.Skip(at + 1).ToList()) is { } request ? new AgentCommandLine(request) : null;  // past the program
    }

    /// <summary>Words as sh would split them, or null when the text holds anything but words, blanks and quotes.</summary>
    private static List<string>? SplitWords(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false, expands = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is ' ' or '\t')
            {
                if (inWord && !EndWord())
                {
                    return null;
                }
                continue;
            }
            inWord = true;
            if (c == '\'')
            {
                int close = text.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    return null;
                }
                word.Append(text, i + 1, close - i - 1);
                i = close;
            }
            else if (c == '"')
            {
                int close = text.IndexOf('"', i + 1);
                if (close < 0 || text.AsSpan(i + 1, close - i - 1).ContainsAny('\\', '`'))
                {
                    return null;
                }
                expands |= text.AsSpan(i + 1, close - i - 1).Contains('$');
                word.Append(text, i + 1, close - i - 1);
                i = close;
            }
            else if (c == '\\' && i + 1 < text.Length && text[i + 1] != '\n')
            {
                // As sh reads it: the next character, taken literally ('\'' is how the client quotes a quote).
                word.Append(text[++i]);
            }
            else if (c == '$')
            {
                // Only a leading NAME=value word may hold one (sqlite3_rsync's PATH=$HOME/bin:...:$PATH).
                expands = true;
                word.Append(c);
            }
            else if (char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,~".Contains(c))
            {
                word.Append(c);
            }
            else
            {
                return null;
            }
        }
        return !inWord || EndWord() ? words : null;

        // A "$..." a shell would expand is allowed only in the leading NAME=value words, which are dropped
        // (the client's own PATH="$PATH:..."): nothing here is ever expanded.
        bool EndWord()
        {
            string finished = word.ToString();
            bool leadingAssignment = IsAssignment(finished) && words.All(IsAssignment);
            words.Add(finished);
            word.Clear();
            inWord = false;
            bool ok = !expands || leadingAssignment;
            expands = false;
            return ok;
        }
    }

    /// <summary>What a shell variable's name is made of.</summary>
    private static readonly System.Buffers.SearchValues<char> NameCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    private static bool IsAssignment(string word)
    {
        int equals = word.IndexOf('=');
        return equals > 0 && (char.IsAsciiLetter(word[0]) || word[0] == '_') && word.AsSpan(0, equals).IndexOfAnyExcept(NameCharacters) < 0;
    }
}
