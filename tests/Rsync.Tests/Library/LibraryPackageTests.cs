using System.IO.Compression;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Library;

/// <summary>
/// The library as a .NET program gets it: SqlRsync.Core and SqlRsync.Ssh packed (the Core package
/// carrying the protocol assembly, the XML docs and our SQLite for linux-x64), and the sample under
/// samples/ built against them from a package feed and run: it backs up its own live database.
/// </summary>
public sealed class LibraryPackageTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    // A version of its own, so NuGet's package cache never serves an older build of the same number.
    private readonly string _version = $"0.3.0-test.{Guid.NewGuid():N}"[..24];

    public void Dispose()
    {
        _dir.Dispose();
        foreach (var id in new[] { "sqlrsync.core", "sqlrsync.ssh" })
        {
            var cached = Path.Combine(NuGetPackagesFolder, id, _version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
    }

    private static string NuGetPackagesFolder => Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    [Fact]
    public void ThePackagesCarryWhatTheyNeedAndTheSampleBacksUpALiveDatabase()
    {
        var feed = Directory.CreateDirectory(_dir.File("feed")).FullName;
        foreach (var project in new[] { "src/Rsync.Core", "src/Rsync.Ssh" })
        {
            var pack = ExternalProgram.Run("dotnet", ["pack", Repository.File(project), "-c", "Release", "-o", feed, $"-p:Version={_version}",
                "-nologo"], timeoutSeconds: 300);
            Assert.True(pack.ExitCode == 0, pack.StandardOutput + pack.StandardError);
        }

        var core = Entries(Path.Combine(feed, $"SqlRsync.Core.{_version}.nupkg"));
        Assert.Contains("lib/net10.0/SqlRsync.Core.dll", core);
        Assert.Contains("lib/net10.0/SqlRsync.Core.xml", core);
        Assert.Contains("lib/net10.0/SqlRsync.Protocol.dll", core);
        Assert.Contains("runtimes/linux-x64/native/libsqlrsync_sqlite3.so", core);
        var ssh = Entries(Path.Combine(feed, $"SqlRsync.Ssh.{_version}.nupkg"));
        Assert.Contains("lib/net10.0/SqlRsync.Ssh.dll", ssh);
        var sshSpec = NuspecOf(Path.Combine(feed, $"SqlRsync.Ssh.{_version}.nupkg"));
        Assert.Contains($"<dependency id=\"SqlRsync.Core\" version=\"{_version}\"", sshSpec);
        Assert.DoesNotContain("SqlRsync.Protocol", sshSpec);

        // The sample is built outside the repository, as a user's program would be.
        var sample = _dir.File("sample");
        CopyDirectory(Repository.File("samples/BackupWhileWriting"), sample);
        var data = Directory.CreateDirectory(_dir.File("data")).FullName;
        var run = ExternalProgram.Run("dotnet", ["run", "--project", sample, "-c", "Release", $"-p:SqlRsyncVersion={_version}",
            $"-p:RestoreAdditionalProjectSources={feed}", "--", data], timeoutSeconds: 300);

        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Contains("SQLite 3.54.1", run.StandardOutput);
        Assert.Contains("backup 3: sent", run.StandardOutput);
        Assert.Matches(@"integrity ok, [1-9]\d* of \d+ rows", run.StandardOutput);
        TestDatabase.AssertIntegrityOk(Path.Combine(data, "backup.db"));
    }

    private static List<string> Entries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return [.. zip.Entries.Select(entry => entry.FullName)];
    }

    private static string NuspecOf(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return reader.ReadToEnd();
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
