using SqlRsync.Ssh;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>Program names are looked up in PATH's absolute directories only (the process-level test is in SshSyncTests).</summary>
public class ExecutablePathTests
{
    [Fact]
    public void ANameWithASlashIsUsedAsGiven()
    {
        Assert.Equal("./ssh", ExecutablePath.Find("./ssh", "/usr/bin"));
        Assert.Equal("/opt/ssh/bin/ssh", ExecutablePath.Find("/opt/ssh/bin/ssh", "/usr/bin"));
    }

    [Fact]
    public void ABareNameIsTheFirstExecutableInPath()
    {
        using var dir = new TempDirectory();
        var first = Directory.CreateDirectory(dir.File("first")).FullName;
        var second = Directory.CreateDirectory(dir.File("second")).FullName;
        File.WriteAllText(Path.Combine(first, "tool"), "not executable");
        var executable = MakeExecutable(Path.Combine(second, "tool"));

        Assert.Equal(executable, ExecutablePath.Find("tool", $"{first}:{second}"));
        Assert.Null(ExecutablePath.Find("tool", first));
    }

    [Fact]
    public void RelativeAndEmptyPathEntriesAreNeverSearched()
    {
        // A planted program in a directory named relative to the current directory, as "." or "bin" in PATH would name it.
        var name = $"planted-{Guid.NewGuid():N}";
        var planted = Directory.CreateDirectory(Path.Combine(Environment.CurrentDirectory, name)).FullName;
        try
        {
            MakeExecutable(Path.Combine(planted, "tool"));
            MakeExecutable(Path.Combine(Environment.CurrentDirectory, name + "-tool"));

            Assert.Null(ExecutablePath.Find("tool", name));
            Assert.Null(ExecutablePath.Find(name + "-tool", ".::/nonexistent"));
            Assert.Equal(Path.Combine(planted, "tool"), ExecutablePath.Find("tool", $".:{name}:{planted}"));
        }
        finally
        {
            Directory.Delete(planted, recursive: true);
            File.Delete(Path.Combine(Environment.CurrentDirectory, name + "-tool"));
        }
    }

    private static string MakeExecutable(string path)
    {
        File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }
}
