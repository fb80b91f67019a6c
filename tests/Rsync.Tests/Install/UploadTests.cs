using System.Globalization;
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

    private readonly TempDirectory _dir = BareHost.SharedDirectory();

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

        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var second = Native(origin, $"{BareHost.Alias}:{replica}", "-v");
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.DoesNotContain("copied itself", second.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);
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
        TestDatabase.AssertSynced(origin, pulled, 4096);
    }

    [SkippableFact]
    public void TheBuiltinSshClientBringsSqlrsyncToo()
    {
        SkipUnlessReady();
        var origin = Origin();
        var replica = _dir.File("replica.db");
        var knownHosts = _dir.File("known_hosts");
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{Bare.Ssh.Port} {Bare.Ssh.HostPublicKey}\n");

        var push = NativeProgram.Run(origin, $"{Bare.User}@127.0.0.1:{replica}", "-v", "--ssh-client", "builtin", "-p",
            Bare.Ssh.Port.ToString(CultureInfo.InvariantCulture),
            "--identity", Bare.Ssh.UserKey, "--known-hosts", knownHosts);

        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.Contains("copied itself", push.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    /// <summary>
    /// A home sqlrsync cannot write, or one mounted noexec (the copy is stored but cannot run): the copy
    /// goes to /var/tmp/sqlrsync-UID, a directory of the user's own, and the sync works. (A noexec home
    /// said "Permission denied; is --exe a sqlrsync program?" with no --exe given.)
    /// </summary>
    [SkippableTheory]
    [InlineData("read-only")]
    [InlineData("noexec")]
    public void AHomeUnfitForProgramsFallsBackToVarTmp(string home)
    {
        SkipUnlessReady();
        var origin = Origin();
        var cache = Path.Combine(Bare.Home, ".cache");
        if (home == "noexec")
        {
            Directory.CreateDirectory(cache);
            var mount = ExternalProgram.Run("mount", ["-t", "tmpfs", "-o", $"size=64m,noexec,mode=0700,uid={Bare.UserId}", "tmpfs", cache]);
            Skip.If(mount.ExitCode != 0, $"cannot mount a tmpfs here: {mount.StandardError.Trim()}");
        }
        else
        {
            BareHost.Chmod(Bare.Home, 0b101_101_101);
        }
        try
        {
            var push = Native(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}", "-v");

            Assert.True(push.ExitCode == 0, push.StandardError);
            TestDatabase.AssertSynced(origin, _dir.File("replica.db"), 4096);
            var copy = Assert.Single(BareHost.CopiesIn(Bare.FallbackDirectories[0]));
            Assert.Equal(Sha256(NativeProgram.Path), Sha256(copy));
            Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(Bare.FallbackDirectories[0]));
            var again = Native(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}", "-v");
            Assert.True(again.ExitCode == 0, again.StandardError);
            Assert.DoesNotContain("copied itself", again.StandardError);
        }
        finally
        {
            if (home == "noexec")
            {
                ExternalProgram.Run("umount", [cache]);
            }
            BareHost.Chmod(Bare.Home, 0b111_101_101);
        }
    }

    /// <summary>
    /// A symbolic link planted at /var/tmp/sqlrsync-UID (by someone else; /var/tmp is everyone's) is
    /// never used, even when it leads to a directory of the user's own: nothing in it is touched, and
    /// the copy goes to /tmp/sqlrsync-UID.
    /// </summary>
    [SkippableFact]
    public void ALinkPlantedAtAFallbackDirectoryIsNeverUsed()
    {
        SkipUnlessReady();
        var origin = Origin();
        var precious = Directory.CreateDirectory(Path.Combine(Bare.Home, "precious")).FullName;
        foreach (var name in new[] { "1.0-a", "2.0-b", "3.0-c" })
        {
            Directory.CreateDirectory(Path.Combine(precious, name));
        }
        ExternalProgram.Run("chown", ["-R", $"{Bare.User}:", precious]);
        File.CreateSymbolicLink(Bare.FallbackDirectories[0], precious);
        BareHost.Chmod(Bare.Home, 0b101_101_101);
        try
        {
            var push = Native(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}");

            Assert.True(push.ExitCode == 0, push.StandardError);
            Assert.Equal(["1.0-a", "2.0-b", "3.0-c"], Directory.GetFileSystemEntries(precious).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Single(BareHost.CopiesIn(Bare.FallbackDirectories[1]));
        }
        finally
        {
            File.Delete(Bare.FallbackDirectories[0]);
            BareHost.Chmod(Bare.Home, 0b111_101_101);
        }
    }

    /// <summary>--upload-dir names the directory; one where nothing can be stored or run ends in one line that says what to do.</summary>
    [SkippableFact]
    public void UploadDirNamesWhereTheCopyGoes()
    {
        SkipUnlessReady();
        var origin = Origin();
        var chosen = Path.Combine(Bare.Home, "programs");

        var push = Native(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}", "--upload-dir", chosen);
        var refused = Native(origin, $"{BareHost.Alias}:{_dir.File("other.db")}", "--upload-dir", "/proc/no-such-place");

        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.Equal(Sha256(NativeProgram.Path), Sha256(Assert.Single(BareHost.CopiesIn(chosen))));
        var line = SqlRsyncProgram.AssertErrorLine(refused, 1);
        Assert.Contains($"{BareHost.Alias}: cannot create a directory of its own in /proc/no-such-place/", line);
        Assert.Contains("name a directory there that is yours and may hold programs with --upload-dir", line);
        Assert.False(File.Exists(_dir.File("other.db")));
    }

    /// <summary>What earlier runs left goes when a copy is stored: an interrupted upload's temporary file, and all but the two newest versions.</summary>
    [SkippableFact]
    public void StoringACopyRemovesLeftoversAndKeepsTwoVersions()
    {
        SkipUnlessReady();
        var current = Path.GetDirectoryName(NativeVersionDirectory())!;
        var origin = Origin();
        var cache = Path.Combine(Bare.Home, ".cache", "sqlrsync");
        var old = new[] { "0.0.1-aaaa", "0.0.2-bbbb", "0.0.3-cccc" };
        for (int i = 0; i < old.Length; i++)
        {
            var version = Directory.CreateDirectory(Path.Combine(cache, old[i])).FullName;
            File.WriteAllText(Path.Combine(version, "sqlrsync"), "an old version");
            Directory.SetLastWriteTimeUtc(version, DateTime.UtcNow.AddDays(i - 10));
        }
        Directory.CreateDirectory(current);
        File.WriteAllText(Path.Combine(current, ".upload-999999999"), "half an upload");
        ExternalProgram.Run("chown", ["-R", $"{Bare.User}:", Path.Combine(Bare.Home, ".cache")]);

        var push = Native(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}");

        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.Equal([Path.GetFileName(current), old[^1]], Directory.GetDirectories(cache).Select(Path.GetFileName).Order(StringComparer.Ordinal).Reverse());
        Assert.Equal(["sqlrsync"], Directory.GetFiles(current).Select(Path.GetFileName));
    }

    /// <summary>Where the native sqlrsync copies itself (~/.cache/sqlrsync/VERSION-SHA256/sqlrsync), found by a first push on a fresh cache.</summary>
    private string NativeVersionDirectory()
    {
        Assert.Equal(0, Native(Origin(), $"{BareHost.Alias}:{_dir.File("probe.db")}").ExitCode);
        var copy = Assert.Single(Bare.CachedCopies);
        Bare.ClearCache();
        return copy;
    }

    [SkippableFact]
    public void NoUploadAndTheDotNetBuildSayWhatToDo()
    {
        SkipUnlessReady();
        var origin = Origin();

        var forbidden = Native(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}", "--no-upload");
        var dotnetBuild = SqlRsyncProgram.Run(origin, $"{BareHost.Alias}:{_dir.File("replica.db")}", "--ssh", Bare.Ssh.SshCommand);

        Assert.Contains($"no sqlrsync of protocol 5 on {BareHost.Alias}, and --no-upload (AllowUpload = false) forbids bringing one: install it " +
            "there or name it with --exe (RemoteProgram)", SqlRsyncProgram.AssertErrorLine(forbidden, 1));
        Assert.Contains($"sqlrsync not found on {BareHost.Alias}: install it there, name it with --exe (RemoteProgram), or run the native " +
            "single-file sqlrsync, which copies itself there", SqlRsyncProgram.AssertErrorLine(dotnetBuild, 1));
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
        var command = AgentBootstrap.CommandLine(new AgentRequest(AgentRole.Replica, _dir.File("r.db")), quiet: false, upload, uploadDirectory: null);

        var run = ExternalProgram.Run("env", ["-i", $"PATH={BareHost.NoInstalledSqlrsync}:{fakeBin}:/usr/bin:/bin", $"HOME={_dir.Path}", "/bin/sh",
            "-c", command]);
        var stream = new ActivityStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(run.StandardOutput)));
        var error = Assert.Throws<SyncException>(() => AgentBootstrap.Converse(stream, Stream.Null, upload, uploadForbidden: false, "armhost"));

        Assert.Equal("remote armhost is Linux aarch64; this sqlrsync is a Linux x86_64 executable only: install sqlrsync there or name it with " +
            "--exe (RemoteProgram)", error.Message);
        Assert.False(Directory.Exists(_dir.File(".cache")));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
