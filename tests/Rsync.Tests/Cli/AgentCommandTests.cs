using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>The agent as a process: what it says when its client goes away (its command lines are AgentCommandLineTests).</summary>
public class AgentCommandTests
{
    [Theory]
    [InlineData("--replica-dir")]
    [InlineData("--origin-dir")]
    public void ADirectoryAgentWhoseClientGoesAwaySaysSoInOneLine(string role)
    {
        using var dir = new TempDirectory();

        var result = ExternalProgram.Run("dotnet", [SqlRsyncProgram.DllPath, role, dir.Path], standardInput: "");

        Assert.Equal("sqlrsync: error: protocol error: the peer closed the connection", SqlRsyncProgram.AssertErrorLine(result, 1));
    }
}
