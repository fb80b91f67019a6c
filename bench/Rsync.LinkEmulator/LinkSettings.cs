using System.Globalization;

namespace SqlRsync.LinkEmulator;

/// <summary>
/// The link to emulate, from the command line: <c>--delay-ms D --rate-mbit R [--report FILE] HOST PORT</c>. The
/// delay is one way, so a round trip costs 2 × D; the rate is per direction, as on a full-duplex link. The report
/// file, if named, gets one line appended as the link closes: the bytes each way and the turns (TurnCounter).
/// </summary>
internal sealed record LinkSettings(double OneWayDelayMs, double RateMbit, string Host, int Port, string? ReportPath)
{
    public const string Usage = "usage: link-emulator [--delay-ms MS] [--rate-mbit MBIT] [--report FILE] HOST PORT";

    /// <summary>Bytes the link carries per second in each direction (megabits of 10^6 bits, as link rates are quoted).</summary>
    public double BytesPerSecond => RateMbit * 1_000_000 / 8;

    /// <summary>
    /// The bytes a direction may hold: what the link itself holds (rate × delay) and, beyond it, what a sender's
    /// socket buffer would. A real sender blocks once its buffer is full; so does ours, instead of swallowing a
    /// whole bulk transfer at once.
    /// </summary>
    public long QueueLimit => (long)(BytesPerSecond * OneWayDelayMs / 1000) + 4 * 1024 * 1024;

    /// <summary>The settings <paramref name="arguments"/> give, or null when they do not make sense.</summary>
    public static LinkSettings? Parse(string[] arguments)
    {
        double delay = 0;
        double rate = 0;
        string? report = null;
        var positional = new List<string>();
        for (int at = 0; at < arguments.Length; at++)
        {
            switch (arguments[at])
            {
                case "--delay-ms" when at + 1 < arguments.Length:
                    if (!TryNumber(arguments[++at], out delay))
                    {
                        return null;
                    }
                    break;
                case "--rate-mbit" when at + 1 < arguments.Length:
                    if (!TryNumber(arguments[++at], out rate) || rate == 0)
                    {
                        return null;
                    }
                    break;
                case "--report" when at + 1 < arguments.Length:
                    report = arguments[++at];
                    break;
                default:
                    positional.Add(arguments[at]);
                    break;
            }
        }
        if (positional.Count != 2 || !int.TryParse(positional[1], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is 0 or > 65535)
        {
            return null;
        }
        // No rate given: a link as fast as the relay can copy, with only the delay.
        return new LinkSettings(delay, rate == 0 ? double.PositiveInfinity : rate, positional[0], port, report);
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && double.IsFinite(value);
}
