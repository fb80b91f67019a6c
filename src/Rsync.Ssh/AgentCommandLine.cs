using System.Globalization;
using System.Text;

namespace SqlRsync.Ssh;

/// <summary>
/// The command line that starts sqlrsync's agent on a remote host: written by the client for ssh to
/// hand to the remote shell, and read back by `sqlrsync --serve` from SSH_ORIGINAL_COMMAND.
/// Written: `PATH="$PATH:$HOME/.dotnet/tools:/usr/local/bin" 'EXE' --origin|--replica 'PATH'
/// --busy-timeout N [-q]`, every word the user supplies single-quoted, so no path can run a command
/// (PATH gains the directories `dotnet tool install -g` and manual installs use). Read: optional
/// NAME=value assignments (dropped), the program (any name: it is not what runs), then the role and
/// its path, and optionally --busy-timeout and -q. The text is split as a POSIX shell would split it
/// (blanks, '...', "...", backslash), but nothing is expanded, and any other shell syntax (;, |, &amp;,
/// unquoted $, backquotes, redirections, globs, newlines...) makes it something else: no shell ever runs it.
/// </summary>
/// <remarks>
/// The bootstrap form (<see cref="AgentBootstrap"/>) is read back too, when its script is exactly ours:
/// <see cref="Bootstrapped"/> then says the client waits for the script's "agent follows" answer.
/// </remarks>
internal sealed record AgentCommandLine(bool IsOrigin, string Path, int BusyTimeoutSeconds, bool Quiet, bool Bootstrapped = false)
{
    /// <summary>The text for ssh to run remotely.</summary>
    public static string Write(string exe, bool isOrigin, string path, TimeSpan busyTimeout, bool quiet) =>
        "PATH=\"$PATH:$HOME/.dotnet/tools:/usr/local/bin\" " +
        $"{Quote(exe)} {(isOrigin ? "--origin" : "--replica")} {Quote(path)} --busy-timeout {(int)busyTimeout.TotalSeconds}" + (quiet ? " -q" : "");

    /// <summary>Single-quotes a word for sh: inside '...' nothing is special except ' itself.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>The agent command in <paramref name="text"/>, or null when it is anything else.</summary>
    public static AgentCommandLine? Parse(string text)
    {
        var words = SplitWords(text);
        if (words is null)
        {
            return null;
        }
        // exec /bin/sh -c SCRIPT sqlrsync-bootstrap PROTOCOL VERSION SHA SIZE PLATFORM ROLE DATABASE BUSY QUIET
        if (words is ["exec", "/bin/sh", "-c", AgentBootstrap.Script, AgentBootstrap.ScriptName, _, _, _, _, _, "--origin" or "--replica", { Length: > 0 } database, var busy, "" or "-q"]
            && int.TryParse(busy, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
        {
            return new AgentCommandLine(words[10] == "--origin", database, seconds, words[13] == "-q", Bootstrapped: true);
        }
        int at = 0;
        while (at < words.Count && IsAssignment(words[at]))
        {
            at++;
        }
        at++;  // the program
        string? role = null, path = null;
        int busyTimeout = 30;
        bool quiet = false;
        for (; at < words.Count; at++)
        {
            string word = words[at];
            bool hasValue = at + 1 < words.Count;
            if (word is "--origin" or "--replica" && hasValue && role is null)
            {
                role = word;
                path = words[++at];
            }
            else if (word == "--busy-timeout" && hasValue && int.TryParse(words[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out busyTimeout))
            {
                at++;
            }
            else if (word is "-q" or "--quiet")
            {
                quiet = true;
            }
            else
            {
                return null;
            }
        }
        return role is null || path!.Length == 0 ? null : new AgentCommandLine(role == "--origin", path, busyTimeout, quiet);
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

    private static bool IsAssignment(string word)
    {
        int equals = word.IndexOf('=');
        return equals > 0 && (char.IsAsciiLetter(word[0]) || word[0] == '_') && word.AsSpan(0, equals).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") < 0;
    }
}
