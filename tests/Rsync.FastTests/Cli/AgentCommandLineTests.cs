using SqlRsync.Ssh;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>What `sqlrsync --serve` accepts from SSH_ORIGINAL_COMMAND, and where it lets a path lead (the sshd tests are ServeTests).</summary>
public class AgentCommandLineTests
{
    [Theory]
    [InlineData("/srv/app.db")]
    [InlineData("/srv/it's a \"db\" $(x) `y`.db")]
    [InlineData("~/app.db")]
    public void TheClientsOwnRemoteCommandIsReadBack(string path)
    {
        foreach (var role in new[] { AgentRole.Origin, AgentRole.Replica })
        {
            foreach (bool directory in new[] { false, true })
            {
                var request = new AgentRequest(role, path) { BusyTimeout = TimeSpan.FromSeconds(17), Directory = directory };
                var text = AgentCommandLine.Write("sqlrsync", request, quiet: true);

                var command = AgentCommandLine.Parse(text);

                Assert.Equal(new AgentCommandLine(request with { Quiet = true }), command);
                // A watch's replica agent serves cycles; nothing else does.
                var cycles = AgentCommandLine.Parse(AgentCommandLine.Write("sqlrsync", request with { Cycles = true }, quiet: false));
                Assert.Equal(role == AgentRole.Replica && !directory ? new AgentCommandLine(request with { Cycles = true }) : null, cycles);
            }
        }
    }

    [Theory]
    [InlineData("/srv/app.db", true)]
    [InlineData("/srv/it's $(x).db", false)]
    public void TheBootstrapCommandIsReadBackOnlyWithItsOwnScript(string path, bool isOrigin)
    {
        var request = new AgentRequest(isOrigin ? AgentRole.Origin : AgentRole.Replica, path) { BusyTimeout = TimeSpan.FromSeconds(9) };
        var text = AgentBootstrap.CommandLine(request, quiet: true, upload: null, uploadDirectory: null);

        Assert.Equal(new AgentCommandLine(request with { Quiet = true }, Bootstrapped: true), AgentCommandLine.Parse(text));
        var cycles = AgentBootstrap.CommandLine(request with { Cycles = true }, quiet: true, upload: null, uploadDirectory: null);
        Assert.Equal(isOrigin ? null : new AgentCommandLine(request with { Quiet = true, Cycles = true }, Bootstrapped: true), AgentCommandLine.Parse(cycles));
        Assert.Null(AgentCommandLine.Parse(text.Replace("exec \"$1\"", "exec \"$2\"")));
        Assert.Null(AgentCommandLine.Parse(text + " ; touch x"));
    }

    [Theory]
    [InlineData("'sqlrsync' '--origin' '/srv/app.db' 'app.db' 2>/dev/null", true, "/srv/app.db", "app.db", false)]
    [InlineData("PATH=$HOME/bin:/usr/local/bin:/opt/homebrew/bin:/opt/local/bin:$PATH sqlrsync --replica --wal-only app.db '/srv/copy.db'", false,
        "/srv/copy.db", "app.db", true)]
    public void Sqlite3RsyncsRemoteCommandIsReadInItsShape(string text, bool isOrigin, string path, string otherName, bool walOnly)
    {
        var command = AgentCommandLine.Parse(text);

        var request = new AgentRequest(isOrigin ? AgentRole.Origin : AgentRole.Replica, path) { WalOnly = walOnly, Sqlite3Rsync = true, OtherName = otherName };
        Assert.Equal(new AgentCommandLine(request), command);
        var written = AgentCommandLine.WriteForSqlite3Rsync("sqlite3_rsync", request with { OtherName = "other.db" });
        Assert.Equal(new AgentCommandLine(request with { OtherName = "other.db" }), AgentCommandLine.Parse(written));
    }

    [Theory]
    [InlineData("sqlrsync --replica /srv/a.db 2>/dev/null; rm x")]
    [InlineData("sqlrsync --replica a.db /srv/b.db 2>/tmp/x")]
    [InlineData("sqlrsync --replica a.db $HOME/b.db")]
    [InlineData("sqlrsync --replica a.db /srv/b.db c.db")]
    [InlineData("sqlrsync --replica /srv/a.db; rm -rf /")]
    [InlineData("sqlrsync --replica \"$HOME/a.db\"")]
    [InlineData("sqlrsync --replica /srv/a.db --replica /srv/b.db")]
    [InlineData("sqlrsync --replica")]
    [InlineData("sqlrsync --serve --allow /")]
    [InlineData("sqlrsync /srv/a.db /srv/b.db")]
    [InlineData("sqlrsync --replica '/srv/a.db")]
    [InlineData("sqlrsync --replica /srv/*.db")]
    [InlineData("bash -c 'sqlrsync --replica /srv/a.db'")]
    [InlineData("")]
    public void AnythingElseIsNotAnAgentCommand(string text) => Assert.Null(AgentCommandLine.Parse(text));

    [Fact]
    public void PathsAreConfinedAfterHomeDotDotAndSymlinksAreResolved()
    {
        using var dir = new TempDirectory();
        var home = Directory.CreateDirectory(dir.File("home")).FullName;
        var allowed = Directory.CreateDirectory(dir.File("home/backups")).FullName;
        Directory.CreateDirectory(dir.File("secret"));
        File.CreateSymbolicLink(Path.Combine(allowed, "escape"), dir.File("secret"));
        File.CreateSymbolicLink(Path.Combine(allowed, "dangling.db"), dir.File("secret/missing.db"));
        var directories = AllowedDirectories.Resolve([allowed]);

        Assert.Equal(Path.Combine(allowed, "a.db"), directories.Confine("~/backups/a.db", home));
        Assert.Equal(Path.Combine(allowed, "a.db"), directories.Confine("backups/a.db", home));
        Assert.Equal(Path.Combine(allowed, "a.db"), directories.Confine($"{allowed}/x/../a.db", home));
        foreach (var outside in new[] { "~/a.db", "backups/../../secret/a.db", "backups/escape/a.db", "backups/dangling.db", "~root/a.db", "/etc/passwd" })
        {
            Assert.Equal(SyncFailure.Refused, Assert.Throws<SyncException>(() => directories.Confine(outside, home)).Reason);
        }
        Assert.Throws<ArgumentException>(() => AllowedDirectories.Resolve([dir.File("no-such-dir")]));
    }
}
