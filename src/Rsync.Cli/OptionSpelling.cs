using System.CommandLine;

namespace SqlRsync.Cli;

/// <summary>
/// The command line's words before System.CommandLine reads them. sqlite3_rsync's spellings become
/// ours (one dash before a long name: -wal-only, -exe, -version; -vvvv), and a word that looks like an
/// option but is none is named, with the nearest real option, instead of being taken for a path.
/// </summary>
internal static class OptionSpelling
{
    /// <summary>sqlite3_rsync's debugging options, which sqlrsync does not have.</summary>
    private static readonly string[] Sqlite3RsyncOnly = ["--logfile", "--errorfile", "--debugfile", "--remote-errorfile", "--remote-debugfile",
        "--commcheck", "--arg-escape-check"];

    /// <summary>
    /// <paramref name="args"/> in our spelling, or null with <paramref name="problem"/> naming the first
    /// word that is no option. Words after "--", and the value of an option that takes one, are kept as
    /// they are (a path or a value may start with '-').
    /// </summary>
    public static string[]? Normalize(string[] args, IEnumerable<Option> options, out string? problem)
    {
        var byName = new Dictionary<string, Option>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            foreach (var name in option.Aliases.Append(option.Name))
            {
                byName[name] = option;
            }
        }
        var words = new List<string>(args.Length);
        problem = null;
        for (int at = 0; at < args.Length; at++)
        {
            string word = args[at];
            if (word == "--")
            {
                words.AddRange(args[at..]);
                break;
            }
            if (!word.StartsWith('-') || word == "-")
            {
                words.Add(word);
                continue;
            }
            // --name=value and --name:value, as System.CommandLine reads them.
            int separator = word.StartsWith("--", StringComparison.Ordinal) ? word.IndexOfAny(['=', ':']) : -1;
            string name = separator > 0 ? word[..separator] : word;
            string rest = separator > 0 ? word[separator..] : "";
            if (IsManyVs(name))
            {
                // sqlite3_rsync counts v's; beyond -vvv there is nothing more to show.
                name = name.Length > 4 ? "-vvv" : name;
            }
            else if (!name.StartsWith("--", StringComparison.Ordinal) && name.Length > 2 && !byName.ContainsKey(name) && byName.ContainsKey("-" + name))
            {
                name = "-" + name;
            }
            if (byName.TryGetValue(name, out var known))
            {
                words.Add(name + rest);
                if (rest.Length == 0 && TakesValue(known) && at + 1 < args.Length)
                {
                    words.Add(args[++at]);
                }
                continue;
            }
            if (IsBundle(name, byName))
            {
                words.Add(word);
                continue;
            }
            problem = Unknown(word, name, byName.Keys);
            return null;
        }
        return [.. words];
    }

    private static bool IsManyVs(string name) => name.Length > 2 && name[0] == '-' && name.AsSpan(1).IndexOfAnyExcept('v') < 0;

    private static bool TakesValue(Option option) => option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0;

    /// <summary>Single-letter switches written together, as -nv.</summary>
    private static bool IsBundle(string name, Dictionary<string, Option> byName) =>
        name.Length > 2 && name[1] != '-' && name.Skip(1).All(letter => byName.TryGetValue($"-{letter}", out var option) && !TakesValue(option));

    private static string Unknown(string word, string name, IEnumerable<string> known)
    {
        string asLong = "--" + name.TrimStart('-');
        if (Sqlite3RsyncOnly.Contains(asLong))
        {
            return $"{word} is a debugging option of sqlite3_rsync that sqlrsync does not have; leave it out";
        }
        var nearest = known.Where(candidate => candidate.StartsWith("--", StringComparison.Ordinal))
            .Select(candidate => (Candidate: candidate, Distance: EditDistance(asLong, candidate)))
            .OrderBy(pair => pair.Distance).ThenBy(pair => pair.Candidate, StringComparer.Ordinal).First();
        // A typo of a long name (--dryrun, --verbos); a short word is too far from everything to guess.
        return asLong.Length >= 5 && nearest.Distance <= (asLong.Length >= 8 ? 2 : 1)
            ? $"unknown option {word}; did you mean {nearest.Candidate}?"
            : $"unknown option {word}; sqlrsync --help lists the options (write ./{word} for a file whose name starts with '-')";
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
