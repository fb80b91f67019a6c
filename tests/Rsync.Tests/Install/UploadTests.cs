using System.Security.Cryptography;
using SqlRsync.Ssh;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Install;

/// <summary>
/// A remote host with nothing installed (a fresh user whose PATH has no sqlrsync): the native sqlrsync
/// copies itself there over the sync's own ssh session, into ~/.cache/sqlrsync/VERSION-SHA256, checks it
/// and runs it; the next sync finds it; a tampered copy is replaced, never run; a read-only home, another
/// platform, --no-upload and a .NET build each end in one clear line.
/// </summary>
public sealed class UploadTests(UploadTests.Host host) : IClassFixture<UploadTests.Host>, IDisposable
{
    public sealed class Host : IDisposable
    {
        public BareHost Bare { get; } = new();

        public void Dispose() => Bare.Dispose();
    }

    private readonly TempDirectory _dir = host.Bare.SharedDirectory();

    private BareHost Bare => host.Bare;

    public void Dispose()
    {
        _dir.Dispose();
        Bare.ClearCache();
    }

    private void SkipUnlessReady()
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        Skip.If(Bare.Unavailable is not null, Bare.Unavailable);
    }

    private ExternalProgram.Result Native(params string[] arguments) => NativeProgram.Run([.. arguments, "--ssh", Bare.Ssh.SshCommand]);

    private string Origin()
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 2000);
        BareHost.Chmod(origin, 0b110_110_110);
        return origin;
    }

    [SkippableFact]
    public void TheFirstPushBringsSqlrsyncAndTheSecondFindsIt()
    {
        SkipUnlessReady();
        var origin = Origin();
        var replica = _dir.File("replica.db");

        var first = Native(origin, $"{BareHost.Alias}:{replica}", "-v");
        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains($"sqlrsync copied itself to {BareHost.Alias} (", first.StandardError);
        var copy = Assert.Single(Bare.CachedCopies);
        Assert.Equal(Sha256(NativeProgram.Path), Sha256(copy));
        Assert.EndsWith($"-{Sha256(NativeProgram.Path)}", Path.GetDirectoryName(copy));
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(Path.GetDirectoryName(copy)!));

        Sync.SyncMatrixTests.Change(origin, Sync.SyncMatrixTests.Situation.OnePercentChanged);
        var second = Native(origin, $"{BareHost.Alias}:{replica}", "-v");
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.DoesNotContain("copied itself", second.StandardError);
        Sync.SyncMatrixTests.AssertSynced(origin, replica, 4096);
    }

    [SkippableFact]
    public void ATamperedCopyIsReplacedAndNeverRun()
    {
        SkipUnlessReady();
        var origin = Origin();
        var replica = _dir.File("replica.db");
        Assert.Equal(0, Native(origin, $"{BareHost.Alias}:{replica}").ExitCode);
        var copy = Assert.Single(Bare.CachedCopies);
        var marker = _dir.File("MARKER");
        File.WriteAllText(copy, $"#!/bin/sh\ntouch '{marker}'\n");

        var push = Native(origin, $"{BareHost.Alias}:{replica}", "-v");

        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.Contains("copied itself", push.StandardError);
        Assert.False(File.Exists(marker), "the tampered copy ran");
        Assert.Equal(Sha256(NativeProgram.Path), Sha256(copy));
    }

    [SkippableFact]
    public void APullBringsSqlrsyncTheSameWay()
    {
        SkipUnlessReady();
        var origin = Origin();
        var pulled = _dir.File("pulled.db");

        var pull = Native($"{BareHost.Alias}:{origin}", pulled, "-v");

        Assert.True(pull.ExitCode == 0, pull.StandardError);
        Assert.Contains("copied itself", pull.StandardError);
        Sync.SyncMatrixTests.AssertSynced(origin, pulled, 4096);
    }

    [SkippableFact]
    public void TheBuiltinSshClientBringsSqlrsyncToo()
    {
        SkipUnlessReady();
        var origin = Origin();
        var replica = _dir.File("replica.db");
        var knownHosts = _dir.File("known_hosts");
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{Bare.Ssh.Port} {Bare.Ssh.HostPublicKey}\n");

        var push = NativeProgram.Run(origin, $"{Bare.User}@127.0.0.1:{replica}", "-v", "--ssh-client", "builtin", "-p", Bare.Ssh.Port.ToString(),
            "--identity", Bare.Ssh.UserKey, "--known-hosts", knownHosts);

        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.Contains("copied itself", push.StandardError);
        Sync.SyncMatrixTests.AssertSynced(origin, replica, 4096);
    }

    [SkippableFact]
    public void AReadOnlyHomeGivesOneClearLine()
    {
        SkipUnlessReady();
        var origin = Origin();
        BareHost.Chmod(Bare.Home, 0b101_101_101);
        try
        {
            var push = Native(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}");

            var line = SqlRsyncProgram.AssertErrorLine(push, 1);
            Assert.Contains($"{BareHost.Alias}: cannot create {Bare.Home}/.cache/sqlrsync/", line);
            Assert.Contains("sqlrsync could not bring itself there (make that directory writable, install sqlrsync there, or pass --exe)", line);
            Assert.False(File.Exists(_dir.File("replica.db")));
        }
        finally
        {
            BareHost.Chmod(Bare.Home, 0b111_101_101);
        }
    }

    [SkippableFact]
    public void NoUploadAndTheDotNetBuildSayWhatToDo()
    {
        SkipUnlessReady();
        var origin = Origin();

        var forbidden = Native(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}", "--no-upload");
        var dotnetBuild = SqlRsyncProgram.Run(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}", "--ssh", Bare.Ssh.SshCommand);

        Assert.Contains($"no sqlrsync of protocol 3 on {BareHost.Alias}, and --no-upload forbids bringing one: install it there or pass --exe", SqlRsyncProgram.AssertErrorLine(forbidden, 1));
        Assert.Contains($"sqlrsync not found on {BareHost.Alias}: install it there, pass --exe, or run the native single-file sqlrsync, which copies itself there", SqlRsyncProgram.AssertErrorLine(dotnetBuild, 1));
        Assert.Empty(Bare.CachedCopies);
    }

    [SkippableFact]
    public void AnotherPlatformGetsOneClearLine()
    {
        Skip.If(!File.Exists("/bin/sh"), "no /bin/sh");
        // The script itself, run by sh on this machine, where a fake uname names another platform.
        var fakeBin = Directory.CreateDirectory(_dir.File("bin")).FullName;
        File.WriteAllText(Path.Combine(fakeBin, "uname"), "#!/bin/sh\necho 'Linux aarch64'\n");
        BareHost.Chmod(Path.Combine(fakeBin, "uname"), 0b111_101_101);
        var upload = new LocalExecutable("/nonexistent", 1234, new string('a', 64), "Linux x86_64");
        var command = AgentBootstrap.CommandLine("--replica", _dir.File("r.db"), TimeSpan.FromSeconds(30), quiet: false, upload);

        var run = ExternalProgram.Run("env", ["-i", $"PATH={fakeBin}:/usr/bin:/bin", $"HOME={_dir.Path}", "/bin/sh", "-c", command]);
        var stream = new ActivityStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(run.StandardOutput)));
        var error = Assert.Throws<SyncException>(() => AgentBootstrap.Converse(stream, Stream.Null, upload, uploadForbidden: false, "armhost"));

        Assert.Equal("remote armhost is Linux aarch64; this sqlrsync is a Linux x86_64 executable only: install sqlrsync there or pass --exe", error.Message);
        Assert.False(Directory.Exists(_dir.File(".cache")));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
