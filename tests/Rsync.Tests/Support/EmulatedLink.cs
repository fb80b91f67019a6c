using System.Globalization;

namespace SqlRsync.Tests.Support;

/// <summary>
/// A slow, distant link on the ssh path: bench/Rsync.LinkEmulator, built beside the tests, run by ssh as its
/// ProxyCommand, so that every byte of a sync crosses it as a real process's output. bench/link-bench.sh
/// measures through the same program. As each connection closes, the emulator appends to
/// <paramref name="ReportPath"/> what it carried.
/// </summary>
public sealed record EmulatedLink(int OneWayDelayMs, int RateMbit, string ReportPath)
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "link-emulator.dll");

    /// <summary>An ssh ProxyCommand that reaches %h:%p through this link.</summary>
    public string ProxyCommand => $"dotnet {DllPath} --delay-ms {OneWayDelayMs} --rate-mbit {RateMbit} --report {ReportPath} %h %p";

    /// <summary>
    /// The bytes the <paramref name="connection"/>th connection (from 1) carried towards the server, once its
    /// report is written: ssh does not wait for its ProxyCommand, so this waits, up to 10 s.
    /// </summary>
    public long BytesUp(int connection)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            var lines = File.Exists(ReportPath) ? File.ReadAllLines(ReportPath) : [];
            if (lines.Length >= connection)
            {
                // "up N down M turns T"
                return long.Parse(lines[connection - 1].Split(' ')[1], CultureInfo.InvariantCulture);
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"the link emulator reported no connection {connection} in {ReportPath} within 10 s");
    }
}
