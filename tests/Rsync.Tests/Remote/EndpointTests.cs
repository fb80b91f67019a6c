using SqlRsync.Ssh;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Remote;

/// <summary>Remote paths as the shell and the program meet them: quoted for sh, refused with a newline.</summary>
public class EndpointTests
{
    [Fact]
    public void ANewlineInARemotePathIsRefusedAndRunsNothing()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);
        var marker = dir.File("MARKER");

        var result = SqlRsyncProgram.Run(origin, $"localhost:/tmp/x.db\ntouch {marker}", "--ssh", "/bin/sh -c");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("sqlrsync: error: ", result.StandardError);
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$(touch x);`y`", "'$(touch x);`y`'")]
    public void QuotesForAPosixShell(string word, string quoted)
    {
        Assert.Equal(quoted, AgentCommandLine.Quote(word));
        // sh itself must read the quoted word back as the original.
        var echoed = Support.ExternalProgram.Run("sh", ["-c", $"printf %s {quoted}"]);
        Assert.Equal(word, echoed.StandardOutput);
    }
}
