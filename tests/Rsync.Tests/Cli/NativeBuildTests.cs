using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>The native SQLite build script says in one line what is missing.</summary>
public class NativeBuildTests
{
    private static string Script => Repository.File("native/sqlite/build.sh");

    [Theory]
    [InlineData("NPM", "no-such-npm", "npm ('no-such-npm') not found: install Node.js and npm")]
    [InlineData("CC", "no-such-cc", "C compiler 'no-such-cc' not found: install one")]
    public void MissingToolIsNamedInOneLine(string variable, string value, string expected)
    {
        using var dir = new TempDirectory();
        var result = ExternalProgram.Run("env", [$"{variable}={value}", "bash", Script, dir.Path]);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.False(File.Exists(Path.Combine(dir.Path, "libsqlrsync_sqlite3.so")));
    }
}
