namespace SqlRsync.Tests.Support;

/// <summary>
/// A second local user, throwaway (useradd, no home, no login), to act as someone else who shares a
/// directory with the user running sqlrsync: its files are its own. Needs root; <see cref="Unavailable"/>
/// says why when it cannot be made.
/// </summary>
public sealed class OtherUser : IDisposable
{
    private static int s_count;

    public OtherUser()
    {
        // One user per instance: test classes run in parallel.
        Name = $"sqlrsyncu{Environment.ProcessId % 100000}x{Interlocked.Increment(ref s_count)}";
        ExternalProgram.Run("userdel", [Name]);
        var add = ExternalProgram.Run("useradd", ["-M", "-s", "/usr/sbin/nologin", Name]);
        Unavailable = add.ExitCode == 0 ? null : $"cannot create a test user here: {add.StandardError.Trim()}";
    }

    public string Name { get; }

    public string? Unavailable { get; }

    /// <summary>Runs a program as this user (runuser); asserts it succeeded.</summary>
    public void Run(string program, params string[] arguments)
    {
        var result = ExternalProgram.Run("runuser", ["-u", Name, "--", program, .. arguments]);
        Assert.True(result.ExitCode == 0, $"{program} as {Name}: {result.StandardError}");
    }

    /// <summary>A directory that this user and the one running the tests may both write, as a group-writable backup directory is.</summary>
    public static string SharedDirectory(TempDirectory parent, string name)
    {
        var shared = Directory.CreateDirectory(parent.File(name)).FullName;
        File.SetUnixFileMode(parent.Path, (UnixFileMode)0x1ED);  // 0755: others may pass through
        File.SetUnixFileMode(shared, (UnixFileMode)0x1FF);       // 0777, not sticky
        return shared;
    }

    public void Dispose()
    {
        if (Unavailable is null)
        {
            ExternalProgram.Run("userdel", [Name]);
        }
    }
}
