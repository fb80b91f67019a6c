using System.Text;

namespace Rsync.Cli;

/// <summary>
/// The command line that ssh runs on the remote host, built so that no path can run a command: every
/// user-supplied word is quoted for a POSIX shell. PATH is extended with ~/.dotnet/tools and
/// /usr/local/bin, where `dotnet tool install -g` and manual installs put sqlrsync.
/// </summary>
internal static class RemoteCommand
{
    public static string For(string exe, string agentOption, string path, TimeSpan busyTimeout, bool quiet) =>
        "PATH=\"$PATH:$HOME/.dotnet/tools:/usr/local/bin\" " +
        $"{Quote(exe)} {agentOption} {Quote(path)} --busy-timeout {(int)busyTimeout.TotalSeconds}" + (quiet ? " -q" : "");

    /// <summary>Single-quotes a word for sh: inside '...' nothing is special except ' itself.</summary>
    public static string Quote(string word)
    {
        var quoted = new StringBuilder("'");
        foreach (char c in word)
        {
            quoted.Append(c == '\'' ? "'\\''" : c.ToString());
        }
        return quoted.Append('\'').ToString();
    }

    /// <summary>Splits an --ssh value into words the way a shell would (quotes and backslashes; no expansion but ~).</summary>
    public static List<string> SplitWords(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                {
                    word.Append(text[++i]);
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (quote != '\0')
        {
            throw new FormatException($"--ssh has an unclosed {quote} quote");
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        // A leading ~/ is expanded as a shell would, for "-i ~/.ssh/key".
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return words.ConvertAll(w => w.StartsWith("~/") ? home + w[1..] : w);
    }
}
