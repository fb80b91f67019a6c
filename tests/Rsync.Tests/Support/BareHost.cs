namespace SqlRsync.Tests.Support;

/// <summary>
/// A remote host with nothing installed, as far as sqlrsync can tell: a throwaway Unix user with a fresh
/// home directory, reached through the test sshd as the ssh alias <see cref="Alias"/>. Hermetic: its
/// sessions' PATH starts with <see cref="NoInstalledSqlrsync"/>, whose sqlrsync answers no protocol, so
/// a sqlrsync installed on this machine (in /usr/local/bin, as docs/install.md says, which the agent's
/// PATH always includes) is never found in its place. Needs root (useradd); <see cref="Unavailable"/>
/// says why when it cannot be made.
/// </summary>
public sealed class BareHost : IDisposable
{
    public const string Alias = "barehost";

    private static int s_count;

    private readonly TempDirectory _dir = new();

    public BareHost()
    {
        Ssh = new SshServer(sessionPath: $"{NoInstalledSqlrsync}:/usr/bin:/bin");
        if (Ssh.Unavailable is not null)
        {
            Unavailable = Ssh.Unavailable;
            return;
        }
        // One user per instance: test classes run in parallel, and each one's userdel must not take
        // away another's user.
        User = $"sqlrsync{Environment.ProcessId % 100000}x{Interlocked.Increment(ref s_count)}";
        // The user must reach its home, and the tests' shared directories, through this directory.
        Chmod(_dir.Path, 0b111_101_101);
        Home = _dir.File("home");
        ExternalProgram.Run("userdel", ["-r", User]);
        var add = ExternalProgram.Run("useradd", ["-m", "-d", Home, "-s", "/bin/sh", User]);
        if (add.ExitCode != 0)
        {
            Unavailable = $"cannot create a test user here: {add.StandardError.Trim()}";
            return;
        }
        // "*": no password, but not locked either, so sshd lets the key in.
        ExternalProgram.Run("usermod", ["-p", "*", User]);
        Ssh.AddHostAlias(Alias, User);
    }

    public SshServer Ssh { get; }

    /// <summary>A directory (everyone may read it) whose one program, sqlrsync, fails: first on a PATH, it hides any installed sqlrsync.</summary>
    public static string NoInstalledSqlrsync => Hider.Value;

    private static readonly Lazy<string> Hider = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("sqlrsync-test-hider-").FullName;
        File.WriteAllText(Path.Combine(directory, "sqlrsync"), "#!/bin/sh\nexit 1\n");
        Chmod(directory, 0b111_101_101);
        Chmod(Path.Combine(directory, "sqlrsync"), 0b111_101_101);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    });

    public string User { get; } = "";

    public string Home { get; } = "";

    public string? Unavailable { get; }

    /// <summary>Where a copied sqlrsync lands: ~/.cache/sqlrsync/VERSION-SHA256/sqlrsync.</summary>
    public string[] CachedCopies => CopiesIn(Path.Combine(Home, ".cache", "sqlrsync"));

    /// <summary>Where sqlrsync copies itself when the home is not fit for it: /var/tmp/sqlrsync-UID, then /tmp/sqlrsync-UID.</summary>
    public string[] FallbackDirectories => [$"/var/tmp/sqlrsync-{UserId}", $"/tmp/sqlrsync-{UserId}"];

    public string UserId => ExternalProgram.Run("id", ["-u", User]).StandardOutput.Trim();

    /// <summary>The copies of sqlrsync under <paramref name="directory"/> (VERSION-SHA256/sqlrsync).</summary>
    public static string[] CopiesIn(string directory) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, "sqlrsync", SearchOption.AllDirectories) : [];

    /// <summary>A fresh directory the user may read and write, for its databases.</summary>
    public static TempDirectory SharedDirectory()
    {
        var shared = new TempDirectory();
        Chmod(shared.Path, 0b111_111_111);
        return shared;
    }

    /// <summary>
    /// Gives the user an ~/.ssh of its own in which <paramref name="alias"/> reaches the test sshd as
    /// itself, with a copy of the test key and the host's key in known_hosts: what a user's cron job needs.
    /// </summary>
    public void GiveSshSettings(string alias)
    {
        var ssh = Directory.CreateDirectory(Path.Combine(Home, ".ssh")).FullName;
        File.Copy(Ssh.UserKey, Path.Combine(ssh, "id_ed25519"), overwrite: true);
        File.WriteAllText(Path.Combine(ssh, "known_hosts"), $"[127.0.0.1]:{Ssh.Port} {Ssh.HostPublicKey}\n");
        File.WriteAllText(Path.Combine(ssh, "config"), $"""
            Host {alias}
              HostName 127.0.0.1
              Port {Ssh.Port}
              User {User}
              IdentityFile {Path.Combine(ssh, "id_ed25519")}
              IdentitiesOnly yes
              StrictHostKeyChecking yes
              BatchMode yes
              LogLevel ERROR
            """);
        ExternalProgram.Run("chown", ["-R", $"{User}:", ssh]);
        Chmod(Path.Combine(ssh, "id_ed25519"), 0b110_000_000);
    }

    /// <summary>Forgets every copy sqlrsync left in the user's home and in the fallback directories.</summary>
    public void ClearCache()
    {
        foreach (var directory in FallbackDirectories.Prepend(Path.Combine(Home, ".cache")).Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static void Chmod(string path, int mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)mode);
        }
    }

    public void Dispose()
    {
        if (User.Length > 0)
        {
            ClearCache();
            ExternalProgram.Run("userdel", ["-r", User]);
        }
        Ssh.Dispose();
        _dir.Dispose();
    }
}
