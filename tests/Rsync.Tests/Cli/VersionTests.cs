using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

public class VersionTests
{
    [Fact]
    public void VersionReportsSqlite3541WithDbpage()
    {
        var result = SqlRsyncProgram.Run("--version");

        Assert.Equal(0, result.ExitCode);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^sqlrsync \d+\.\d+\.\d+$", lines[0]);
        Assert.Equal("protocol 5", lines[1]);
        Assert.Equal("SQLite 3.54.1", lines[2]);
        Assert.Equal("sqlite_dbpage: available", lines[3]);
        Assert.Equal("", result.StandardError);
    }
}
