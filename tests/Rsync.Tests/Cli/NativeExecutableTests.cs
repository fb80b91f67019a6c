using System.Globalization;
using SqlRsync.Tests.Remote;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>
/// The native single file (Native AOT): one file with SQLite linked in and no .NET runtime needed,
/// and it syncs — locally, as the client of a push with SSH.NET, and as the remote agent.
/// </summary>
public sealed class NativeExecutableTests(SshSyncTests.Server server) : IClassFixture<SshSyncTests.Server>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void ItIsOneFileThatNeedsNoRuntimeAndCarriesSqlite()
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        Assert.Equal(["sqlrsync"], Directory.GetFiles(Path.GetDirectoryName(NativeProgram.Path)!).Select(Path.GetFileName));
        var libraries = ExternalProgram.Run("ldd", [NativeProgram.Path]).StandardOutput;
        Assert.DoesNotContain("sqlite", libraries);
        Assert.DoesNotContain("coreclr", libraries);
        Assert.DoesNotContain("libstdc++", libraries);

        var version = NativeProgram.Run("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Contains("SQLite 3.54.1\nsqlite_dbpage: available", version.StandardOutput);
    }

    [SkippableFact]
    public void ItSyncsLocallyAndPrintsItsReport()
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 4000);

        var created = NativeProgram.Run(origin, replica, "--json");
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var updated = NativeProgram.Run(origin, replica, "-v");

        Assert.True(created.ExitCode == 0, created.StandardError);
        Assert.Contains("\"outcome\":\"synced\"", created.StandardOutput);
        Assert.True(updated.ExitCode == 0, updated.StandardError);
        Assert.Matches(@"changed [\d,]+ of [\d,]+ pages", updated.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    [SkippableFact]
    public void ItPushesWithItsBuiltinSshClientToItselfAsTheRemoteAgent()
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _dir.File("origin.db");
        var remote = _dir.File("remote.db");
        TestDatabase.Create(origin, rows: 2000);
        var knownHosts = _dir.File("known_hosts");
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{server.Ssh.Port} {server.Ssh.HostPublicKey}\n");

        var push = NativeProgram.Run(origin, $"127.0.0.1:{remote}", "--ssh-client", "builtin", "-p", server.Ssh.Port.ToString(CultureInfo.InvariantCulture),
            "--identity", server.Ssh.UserKey, "--known-hosts", knownHosts, "--exe", NativeProgram.Path);

        Assert.True(push.ExitCode == 0, push.StandardError);
        TestDatabase.AssertSynced(origin, remote, 4096);
    }
}
