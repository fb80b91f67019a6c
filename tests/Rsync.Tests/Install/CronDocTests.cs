using System.Text.RegularExpressions;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Install;

/// <summary>
/// Every crontab line in docs/operations.md, run as a user's cron job runs it: as that (unprivileged)
/// user, through sh -c, in cron's environment (only PATH=/usr/bin:/bin, HOME, SHELL and LOGNAME), with
/// the documented paths replaced by test files — the native sqlrsync for /usr/local/bin/sqlrsync, and
/// for backup@vault a host with nothing installed, named in the user's ~/.ssh/config.
/// </summary>
public sealed class CronDocTests(UploadTests.Host host) : IClassFixture<UploadTests.Host>, IDisposable
{
    private readonly TempDirectory _dir = BareHost.SharedDirectory();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void EachCronLineRunsAsWrittenInCronsEnvironment()
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        Skip.If(host.Bare.Unavailable is not null, host.Bare.Unavailable);
        var doc = File.ReadAllText(Repository.File("docs/operations.md"));
        var block = Regex.Match(doc, @"```\n# m   h  dom mon dow  command\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var commands = block.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Regex.Match(line, @"^(\S+\s+){5}(?<command>.+)$").Groups["command"].Value)
            .ToList();
        Assert.Equal(3, commands.Count);

        var origin = _dir.File("app.db");
        TestDatabase.Create(origin, rows: 1000);
        BareHost.Chmod(origin, 0b110_110_110);
        Directory.CreateDirectory(_dir.File("backup/daily"));
        foreach (var directory in new[] { "backup", "backup/daily" })
        {
            BareHost.Chmod(_dir.File(directory), 0b111_111_111);
        }
        var sqlrsync = _dir.File("sqlrsync");
        File.Copy(NativeProgram.Path, sqlrsync);
        BareHost.Chmod(sqlrsync, 0b111_101_101);
        host.Bare.GiveSshSettings("vault");

        foreach (var command in commands)
        {
            string asTested = command
                .Replace("/usr/local/bin/sqlrsync", sqlrsync)
                .Replace("/srv/app/app.db", origin)
                .Replace("backup@vault:/backup/", $"vault:{_dir.File("backup")}/")
                .Replace(" /backup/", $" {_dir.File("backup")}/")
                .Replace("\\%", "%");  // cron turns \% into %

            var run = ExternalProgram.Run("runuser", ["-u", host.Bare.User, "--", "env", "-i", "PATH=/usr/bin:/bin", $"HOME={host.Bare.Home}",
                "SHELL=/bin/sh", $"LOGNAME={host.Bare.User}", "/bin/sh", "-c", asTested]);

            Assert.True(run.ExitCode == 0, $"{command}: {run.StandardError}");
            Assert.Equal("", run.StandardError);
        }
        var daily = Assert.Single(Directory.GetFiles(_dir.File("backup/daily"), "app-*.db"));
        Assert.Matches(@"app-(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.db$", daily);
        TestDatabase.AssertSynced(origin, _dir.File("backup/app.db"), 4096);
        TestDatabase.AssertSynced(origin, daily, 4096);
    }
}
