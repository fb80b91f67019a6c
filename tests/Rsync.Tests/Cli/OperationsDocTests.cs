using System.Text.Json;
using System.Text.RegularExpressions;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>The systemd service in docs/operations.md runs as written, with its paths replaced by test files.</summary>
public class OperationsDocTests
{
    [Fact]
    public void TheServicesCommandSyncsAndPrintsOneJsonLine()
    {
        var doc = File.ReadAllText(Repository.File("docs/operations.md"));
        var execStart = Regex.Match(doc, @"^ExecStart=(/usr/local/bin/sqlrsync -q --json /srv/app/app\.db /backup/app\.db)$", RegexOptions.Multiline);
        Assert.True(execStart.Success, "docs/operations.md has no ExecStart line for the service");
        using var dir = new TempDirectory();
        var origin = dir.File("app.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        string command = execStart.Groups[1].Value
            .Replace("/usr/local/bin/sqlrsync", $"dotnet {SqlRsyncProgram.DllPath}")
            .Replace("/srv/app/app.db", origin)
            .Replace("/backup/app.db", replica);

        for (int run = 0; run < 2; run++)
        {
            var result = ExternalProgram.Run("/bin/sh", ["-c", command]);
            Assert.True(result.ExitCode == 0, result.StandardError);
            Assert.Equal("", result.StandardError);
            using var report = JsonDocument.Parse(result.StandardOutput);
            Assert.Equal("synced", report.RootElement.GetProperty("outcome").GetString());
        }
        TestDatabase.AssertSynced(origin, replica, 4096);
    }
}
