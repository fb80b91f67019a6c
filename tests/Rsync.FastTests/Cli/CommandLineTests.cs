using SqlRsync.Cli;

namespace SqlRsync.Tests.Cli;

/// <summary>
/// The rules between options, as the parser's validators check them in this process (ClearErrorTests
/// runs the program for the same words), and the request a valid command line makes.
/// </summary>
public class CommandLineTests
{
    [Theory]
    [InlineData("give ORIGIN and REPLICA: sqlrsync ORIGIN REPLICA")]
    [InlineData("give a REPLICA after a.db: sqlrsync ORIGIN REPLICA", "a.db")]
    [InlineData("--allow, --read-only, --write-only, --allow-delete and --append-only go with --serve", "a.db", "b.db", "--read-only")]
    [InlineData("--serve takes no paths", "--serve", "--allow", "/srv", "a.db")]
    [InlineData("--serve needs at least one --allow DIR", "--serve")]
    [InlineData("give --read-only or --write-only, not both", "--serve", "--allow", "/srv", "--read-only", "--write-only")]
    [InlineData("--recursive is for a directory of databases", "a.db", "b.db", "-r")]
    [InlineData("a directory of databases goes to one REPLICA_DIR, not 2", "dir/", "x", "y")]
    [InlineData("--protocol speaks to one remote sqlite3_rsync; give one REPLICA", "a.db", "h:/b.db", "h:/c.db", "--protocol", "1")]
    [InlineData("--port is for a remote side, and a.db and b.db are both local", "a.db", "b.db", "-p", "2222")]
    [InlineData("--ssh names the program of --ssh-client openssh", "a.db", "h:/b.db", "--ssh-client", "builtin", "--ssh", "ssh")]
    [InlineData("--identity, --known-hosts and --accept-new-host-key go with --ssh-client builtin", "a.db", "h:/b.db", "--identity", "k")]
    [InlineData("give --exe or --no-upload, not both", "a.db", "h:/b.db", "--exe", "x", "--no-upload")]
    [InlineData("names no file after the ':'", "a.db", "h:")]
    public void ABrokenRuleIsOneParseError(string expected, params string[] words)
    {
        var parse = new CommandLine().Root.Parse(words);

        var error = Assert.Single(parse.Errors);
        Assert.Contains(expected, error.Message);
    }

    /// <summary>Before a value is given, the validators must not stumble on it: the option's own error is what is said.</summary>
    [Fact]
    public void AnOptionWithoutItsValueIsItsOwnError()
    {
        var parse = new CommandLine().Root.Parse(["a.db", "h:/b.db", "--exe"]);

        Assert.NotEmpty(parse.Errors);
        Assert.DoesNotContain(parse.Errors, error => error.Message.Contains("--no-upload", StringComparison.Ordinal));
    }

    [Fact]
    public void AValidCommandLineMakesOneRequest()
    {
        var commandLine = new CommandLine();
        var parse = commandLine.Root.Parse(["/srv/a.db", "backup@vault:/b.db", "/c.db", "--busy-timeout", "7", "--check", "--exe", "sqlite3_rsync-3.50"]);
        Assert.Empty(parse.Errors);

        var request = Assert.IsType<SyncRequest>(commandLine.ToRequest(parse));

        Assert.Equal(SyncShape.Many, request.Shape);
        Assert.Equal("backup@vault", request.Replicas[0].Host);
        Assert.Equal(TimeSpan.FromSeconds(7), request.Options.BusyTimeout);
        Assert.True(request.Options.DryRun);
        Assert.True(request.Output.Check);
        Assert.Equal(SyncAgent.Sqlite3RsyncProtocolVersion, request.Options.Sqlite3RsyncProtocol);
    }

    [Fact]
    public void DefaultsAreTheLibrarys()
    {
        var commandLine = new CommandLine();
        var parse = commandLine.Root.Parse(["a.db", "b.db"]);

        var request = Assert.IsType<SyncRequest>(commandLine.ToRequest(parse));

        Assert.Equal(new SyncOptions().BusyTimeout, request.Options.BusyTimeout);
        Assert.Equal(new Ssh.RemoteAgentOptions().SilenceTimeout, request.Remote.Timeout);
        Assert.Equal(SyncShape.One, request.Shape);
    }
}
