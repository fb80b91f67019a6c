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

    /// <summary>
    /// Makes <paramref name="option"/> take a duration from <paramref name="min"/> to <paramref name="max"/>:
    /// a number of seconds, or a number with a unit (ms, s, m, h or d), such as 0.5, 250ms, 15m or 1h.
    /// </summary>
    public static Option<TimeSpan> Duration(this Option<TimeSpan> option, TimeSpan min, TimeSpan max, string expected)
    {
        option.CustomParser = result =>
        {
            string given = Given(result);
            if (ParseDuration(given) is { } duration && duration >= min && duration <= max)
            {
                return duration;
            }
            result.AddError($"{option.Name} {given}: {expected}");
            return min;
        };
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

    /// <summary>A duration written as seconds or with a unit (ms, s, m, h, d); null when it is not one.</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        (string Unit, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        var (unit, seconds) = units.FirstOrDefault(unit => text.EndsWith(unit.Unit, StringComparison.Ordinal)
            && !(unit.Unit == "s" && text.EndsWith("ms", StringComparison.Ordinal)));
        string number = unit is null ? text : text[..^unit.Length];
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            && value * (unit is null ? 1 : seconds) < TimeSpan.MaxValue.TotalSeconds / 2
            ? TimeSpan.FromSeconds(value * (unit is null ? 1 : seconds)) : null;
    }

    private static string Given(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
}
