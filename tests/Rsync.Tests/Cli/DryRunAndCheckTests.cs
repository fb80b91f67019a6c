using System.Text.Json;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>--dry-run and --check as a real process: they report the difference and never write.</summary>
public class DryRunAndCheckTests
{
    [Theory]
    [InlineData("wal")]
    [InlineData("delete")]
    public void DryRunReportsWhatASyncThenChangesAndWritesNothing(string journalMode)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000, journalMode);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.InsertRows(connection, rows: 300, seed: 2);
        }
        var before = DirectorySnapshot.Take(dir.Path);

        var dryRun = SqlRsyncProgram.Run(origin, replica, "--dry-run", "--json");

        Assert.True(dryRun.ExitCode == 0, dryRun.StandardError);
        DirectorySnapshot.AssertUnchanged(before, dir.Path);
        using var report = JsonDocument.Parse(dryRun.StandardOutput);
        Assert.Equal("dry_run", report.RootElement.GetProperty("outcome").GetString());
        Assert.True(report.RootElement.GetProperty("dry_run").GetBoolean());
        Assert.Equal(0, report.RootElement.GetProperty("page_bytes_on_wire").GetInt64());
        long wouldChange = report.RootElement.GetProperty("pages_changed").GetInt64();
        Assert.True(wouldChange > 0);

        var sync = SqlRsyncProgram.Run(origin, replica, "--json");
        Assert.True(sync.ExitCode == 0, sync.StandardError);
        using var synced = JsonDocument.Parse(sync.StandardOutput);
        Assert.Equal(wouldChange, synced.RootElement.GetProperty("pages_changed").GetInt64());
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    [Fact]
    public void DryRunToAMissingReplicaCreatesNothing()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 500);
        TestDatabase.Checkpoint(origin);
        var before = DirectorySnapshot.Take(dir.Path);

        var result = SqlRsyncProgram.Run(origin, dir.File("replica.db"), "-n", "-v");

        Assert.True(result.ExitCode == 0, result.StandardError);
        DirectorySnapshot.AssertUnchanged(before, dir.Path);
        Assert.Contains("(DRY RUN)", result.StandardError);
        long pages = new FileInfo(origin).Length / 4096;
        Assert.Contains($"would change {pages:N0} of {pages:N0} pages", result.StandardError);
    }

    [Fact]
    public void CheckExitsZeroWhenIdenticalAndThreeWhenTheyDiffer()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);

        Assert.Equal(3, SqlRsyncProgram.Run(origin, replica, "--check").ExitCode);
        Assert.False(File.Exists(replica));
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica, "--check").ExitCode);

        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "UPDATE items SET name = 'changed' WHERE id = 500");
        }
        var before = DirectorySnapshot.Take(dir.Path);
        var differ = SqlRsyncProgram.Run(origin, replica, "--check", "--json");
        Assert.Equal(3, differ.ExitCode);
        DirectorySnapshot.AssertUnchanged(before, dir.Path);
        using var report = JsonDocument.Parse(differ.StandardOutput);
        Assert.Equal("checked", report.RootElement.GetProperty("outcome").GetString());
        Assert.False(report.RootElement.GetProperty("identical").GetBoolean());

        // Only pages beyond the origin's end differ: a replica longer than its origin is not identical.
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "DELETE FROM items WHERE id > 100");
            TestDatabase.Execute(connection, "VACUUM");
        }
        Assert.Equal(3, SqlRsyncProgram.Run(origin, replica, "--check").ExitCode);
    }

    [Fact]
    public void DryRunAndCheckReportWithoutVerbose()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 1000);
        TestDatabase.Checkpoint(origin);
        long pages = new FileInfo(origin).Length / 4096;

        // A missing replica: said so, and --check exits 3.
        var missing = SqlRsyncProgram.Run(origin, replica, "--check");
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains($"the replica does not exist (or is empty): a sync would create it, sending all {pages:N0} pages", missing.StandardError);
        Assert.False(File.Exists(replica));

        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "UPDATE items SET name = 'changed' WHERE id = 500");
        }
        var dryRun = SqlRsyncProgram.Run(origin, replica, "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.StandardError);
        Assert.Matches($@"would change [1-9]\d* of {pages:N0} pages", dryRun.StandardError);
        Assert.Contains("(DRY RUN)", dryRun.StandardError);
        Assert.DoesNotContain("does not exist", dryRun.StandardError);

        var check = SqlRsyncProgram.Run(origin, replica, "--check");
        Assert.Equal(3, check.ExitCode);
        Assert.Contains("would change", check.StandardError);

        // -q is quiet, and --json is the report.
        Assert.Equal("", SqlRsyncProgram.Run(origin, replica, "--check", "-q").StandardError);
        Assert.Equal("", SqlRsyncProgram.Run(origin, replica, "--dry-run", "--json").StandardError);
    }
}
