using System.Globalization;
using System.Text.Json;
using SqlRsync.Cli;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>What an operator sees: the progress line (terminals only), -vv, --json, and --help.</summary>
public class OutputTests
{
    private static readonly string[] JsonFields =
    [
        "outcome", "error", "origin", "replica", "dry_run", "identical", "page_size", "origin_pages",
        "replica_pages_before", "replica_pages_after", "replaced_page_size", "pages_changed", "page_bytes", "page_bytes_on_wire",
        "bytes_sent", "bytes_received", "bytes_per_second", "total_size", "speedup", "round_trips", "protocol",
        "elapsed_seconds", "phase_seconds", "origin_hashed_bytes", "origin_pages_read", "origin_hash_bytes_per_second",
        "replica_hashed_bytes", "replica_hash_bytes_per_second",
    ];

    [Fact]
    public void JsonReportCarriesEveryDocumentedFieldWithConsistentFigures()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "UPDATE items SET name = 'changed' WHERE id = 1000");
        }

        var result = SqlRsyncProgram.Run(origin, replica, "--json");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("", result.StandardError);
        Assert.Single(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var report = JsonDocument.Parse(result.StandardOutput);
        var root = report.RootElement;
        Assert.Equal(JsonFields, root.EnumerateObject().Select(field => field.Name));
        Assert.Equal("synced", root.GetProperty("outcome").GetString());
        Assert.Equal(origin, root.GetProperty("origin").GetString());
        long pages = root.GetProperty("origin_pages").GetInt64();
        Assert.Equal(new FileInfo(origin).Length / 4096 > 0, pages > 0);
        Assert.Equal(pages, root.GetProperty("replica_pages_after").GetInt64());
        Assert.Equal(pages * 4096, root.GetProperty("total_size").GetInt64());
        long changed = root.GetProperty("pages_changed").GetInt64();
        Assert.InRange(changed, 1, 6);  // a leaf, the index pages above it, page 1
        Assert.Equal(changed * 4096, root.GetProperty("page_bytes").GetInt64());
        Assert.Equal(pages * 4096, root.GetProperty("origin_hashed_bytes").GetInt64());
        Assert.True(root.GetProperty("replica_hash_bytes_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("bytes_sent").GetInt64() > changed * 4096);
        Assert.False(root.GetProperty("identical").GetBoolean());
    }

    [Fact]
    public void FailureInJsonIsStillOneObject()
    {
        using var dir = new TempDirectory();
        var result = SqlRsyncProgram.Run(dir.File("missing.db"), dir.File("replica.db"), "--json");

        Assert.Equal(1, result.ExitCode);
        using var report = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("failed", report.RootElement.GetProperty("outcome").GetString());
        Assert.Contains("does not exist", report.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void VeryVerboseAddsPhasesAndBothHashingRates()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);

        var result = SqlRsyncProgram.Run(origin, replica, "-vv");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Matches(@"\nphases: hashing [\d.]+ s, comparing [\d.]+ s, sending [\d.]+ s, committing [\d.]+ s\n", result.StandardError);
        Assert.Matches(@"\nhashing: origin [\d,]+ bytes at [\d,.]+ MB/s, replica [\d,]+ bytes at [\d,.]+ MB/s\n", result.StandardError);
        Assert.Contains("changed 0 of ", result.StandardError);
    }

    [Fact]
    public void HelpShowsThreeExamplesAndTheExitCodes()
    {
        var result = SqlRsyncProgram.Run("--help");

        Assert.Equal(0, result.ExitCode);
        var examples = result.StandardOutput[result.StandardOutput.IndexOf("Examples:", StringComparison.Ordinal)..];
        Assert.Equal(3, examples.Split('\n').Count(line => line.TrimStart().StartsWith("sqlrsync ", StringComparison.Ordinal)));
        Assert.Contains("--dry-run", result.StandardOutput);
        Assert.Contains("3 the databases differ (--check)", result.StandardOutput);
    }

    [Fact]
    public void HelpShowsTheRealUsageAndNeedsNoDocsFolder()
    {
        var help = SqlRsyncProgram.Run("--help").StandardOutput;

        Assert.Contains("Usage:\n  sqlrsync ORIGIN REPLICA [REPLICA...] [options]\n", help);
        Assert.Contains("\n  sqlrsync --serve --allow DIR", help);
        Assert.DoesNotContain("[<ORIGIN>", help);
        // The installed program comes without the repository's docs/.
        Assert.DoesNotContain("docs/", help);
        Assert.Contains("A local file name with a ':' in it: write ./NAME.", help);
    }

    [Fact]
    public void Sqlite3RsyncSpellingsWork()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000, journalMode: "delete");

        var version = SqlRsyncProgram.Run("-version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("sqlrsync ", version.StandardOutput);
        Assert.Contains("--wal-only was given", SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica, "-wal-only"), 1));
        Assert.Contains("--exe is for a remote side", SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica, "-exe", "/usr/bin/sqlrsync"), 2));

        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "UPDATE items SET name = 'changed' WHERE id % 100 = 0");
        }
        foreach (var verbose in new[] { "-vvv", "-vvvv" })
        {
            var result = SqlRsyncProgram.Run(origin, replica, verbose, "--check");
            Assert.Equal(3, result.ExitCode);
            // All of -vv, then sqlite3_rsync's counters under its own names.
            Assert.Matches(@"\nphases: hashing [\d.]+ s, comparing", result.StandardError);
            var counters = System.Text.RegularExpressions.Regex.Match(result.StandardError,
                @"\nhashes: ([\d,]+)  hash-rounds: (\d+)  page updates: ([\d,]+)  protocol: sqlrsync\n");
            Assert.True(counters.Success, result.StandardError);
            Assert.True(int.Parse(counters.Groups[1].Value.Replace(",", ""), CultureInfo.InvariantCulture) > 0);
            Assert.True(int.Parse(counters.Groups[2].Value, CultureInfo.InvariantCulture) > 0);
            Assert.Matches($@"would change {counters.Groups[3].Value} of ", result.StandardError);
        }
    }

    [Fact]
    public void ProgressIsDrawnOnATerminalOnly()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 20000);

        // script(1) runs the command on a pseudo-terminal and copies what it drew.
        string command = $"dotnet {SqlRsyncProgram.DllPath} {origin} {dir.File("tty.db")}";
        var onTerminal = ExternalProgram.Run("/usr/bin/script", ["-qec", command, "/dev/null"]);
        Assert.True(onTerminal.ExitCode == 0, onTerminal.StandardOutput);
        Assert.Matches(@"\r(starting|hashing|comparing|sending|committing)", onTerminal.StandardOutput);

        var off = ExternalProgram.Run("/usr/bin/script", ["-qec", command.Replace("tty.db", "off.db") + " --no-progress", "/dev/null"]);
        Assert.DoesNotContain('\r', off.StandardOutput);

        // Not a terminal: nothing at all, so no carriage returns and no escape codes.
        var redirected = SqlRsyncProgram.Run(origin, dir.File("pipe.db"));
        Assert.Equal("", redirected.StandardError);
    }

    [Fact]
    public void ProgressTextShowsPagesRateAndEta()
    {
        var text = ProgressLine.Text(SyncPhase.Sending, done: 50, total: 200, bytes: 2 * 1048576, elapsed: TimeSpan.FromSeconds(2));

        Assert.Equal("sending  50/200 pages (25%)  2.0 MiB  1.0 MiB/s  ETA 0:06", text);
        Assert.Equal("committing", ProgressLine.Text(SyncPhase.Committing, 0, 0, 0, TimeSpan.FromSeconds(1)));
    }
}
