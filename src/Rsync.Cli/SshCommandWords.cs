using System.Text;

namespace SqlRsync.Cli;

/// <summary>An --ssh value split into the program and its arguments, as a shell would split it.</summary>
internal static class SshCommandWords
{
    /// <summary>Splits an --ssh value into words the way a shell would (quotes and backslashes; no expansion but ~).</summary>
    public static List<string> Split(string text)
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
        return words.ConvertAll(w => w.StartsWith("~/", StringComparison.Ordinal) ? home + w[1..] : w);
    }
}
