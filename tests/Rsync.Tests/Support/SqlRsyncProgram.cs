namespace SqlRsync.Tests.Support;

/// <summary>Runs the real sqlrsync program (built beside the tests) as a child process.</summary>
public static class SqlRsyncProgram
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "sqlrsync.dll");

    public static ExternalProgram.Result Run(params string[] arguments) =>
        ExternalProgram.Run("dotnet", [DllPath, .. arguments]);

    /// <summary>Runs sqlrsync with <paramref name="workingDirectory"/> as its current directory.</summary>
    public static ExternalProgram.Result RunIn(string workingDirectory, params string[] arguments) =>
        ExternalProgram.Run("dotnet", [DllPath, .. arguments], workingDirectory: workingDirectory);

    /// <summary>
    /// Asserts a failed run's contract: <paramref name="exitCode"/>, exactly one line on stderr starting
    /// "sqlrsync: error: ", and no stack trace. Returns that line.
    /// </summary>
    public static string AssertErrorLine(ExternalProgram.Result result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}: {result.StandardError}");
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sqlrsync: error: ", line);
        Assert.DoesNotContain("   at ", result.StandardError);
        return line;
    }
}
