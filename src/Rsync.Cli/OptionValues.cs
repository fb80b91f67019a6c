using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SqlRsync.Cli;

/// <summary>
/// Parsers for option values that name the option, the word given and what to give instead, in one
/// line (System.CommandLine's own messages name .NET types and span lines).
/// </summary>
internal static class OptionValues
{
    /// <summary>Makes <paramref name="option"/> take a whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> WholeNumber(this Option<int> option, int min, int max, string expected)
    {
        option.CustomParser = result => Parse(option.Name, result, min, max, expected);
        return option;
    }

    /// <inheritdoc cref="WholeNumber(Option{int}, int, int, string)"/>
    public static Option<int?> WholeNumber(this Option<int?> option, int min, int max, string expected)
    {
        option.CustomParser = result => Parse(option.Name, result, min, max, expected);
        return option;
    }

    /// <summary>Makes <paramref name="option"/> take one of <paramref name="values"/>.</summary>
    public static Option<string> OneOf(this Option<string> option, params string[] values)
    {
        option.CustomParser = result =>
        {
            string given = Given(result);
            if (values.Contains(given, StringComparer.Ordinal))
            {
                return given;
            }
            result.AddError($"{option.Name} {given}: give {string.Join(", ", values[..^1])} or {values[^1]}");
            return values[0];
        };
        return option;
    }

    private static int Parse(string name, ArgumentResult result, int min, int max, string expected)
    {
        string given = Given(result);
        if (int.TryParse(given, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max)
        {
            return value;
        }
        result.AddError($"{name} {given}: {expected}");
        return min;
    }

    private static string Given(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
}
