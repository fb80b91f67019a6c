namespace SqlRsync.Tests.Support;

/// <summary>
/// A tmpfs of a chosen size mounted on a fresh directory (needs root and mount rights, as on CI), for
/// disk-full and read-only faults; unmounted on dispose. <see cref="Unavailable"/> says why it could not mount.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private readonly TempDirectory _dir = new();

    public SmallFilesystem(int kibibytes)
    {
        var mount = ExternalProgram.Run("mount", ["-t", "tmpfs", "-o", $"size={kibibytes}k", "tmpfs", _dir.Path]);
        Unavailable = mount.ExitCode == 0 ? null : $"cannot mount a tmpfs here: {mount.StandardError.Trim()}";
    }

    public string? Unavailable { get; }

    public string File(string name) => _dir.File(name);

    public void MakeReadOnly() => Remount("ro");

    public void MakeWritable() => Remount("rw");

    public void Dispose()
    {
        if (Unavailable is null)
        {
            ExternalProgram.Run("umount", [_dir.Path]);
        }
        _dir.Dispose();
    }

    /// <summary>
    /// Remounts read-only or writable. Linux refuses a read-only remount ("busy") while any process
    /// holds a file of it open for writing, or a deleted one open at all. In two full runs of the suite
    /// it was refused although the test had closed its files (not pinned down; a child that another
    /// test's thread was starting holds a copy of this process's descriptors until it executes its
    /// program), so a refusal is tried again for up to 5 s, and one that lasts names what holds the files.
    /// </summary>
    private void Remount(string mode)
    {
        var remount = ExternalProgram.Run("mount", ["-o", $"remount,{mode}", _dir.Path]);
        for (int attempt = 0; attempt < 50 && remount.ExitCode != 0 && remount.StandardError.Contains("busy", StringComparison.Ordinal); attempt++)
        {
            Thread.Sleep(100);
            remount = ExternalProgram.Run("mount", ["-o", $"remount,{mode}", _dir.Path]);
        }
        Assert.True(remount.ExitCode == 0, $"{remount.StandardError.Trim()}; open here: {string.Join(", ", OpenFiles())}");
    }

    /// <summary>Which process holds which file of this filesystem open (why a remount read-only is refused).</summary>
    private IEnumerable<string> OpenFiles()
    {
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            string[] descriptors;
            try
            {
                descriptors = Directory.GetFiles(Path.Combine(process, "fd"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;  // gone, or not ours to look at
            }
            foreach (var descriptor in descriptors)
            {
                var target = new FileInfo(descriptor).LinkTarget;
                if (target is not null && target.StartsWith(_dir.Path, StringComparison.Ordinal))
                {
                    var command = System.IO.File.Exists(Path.Combine(process, "cmdline"))
                        ? System.IO.File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' ').Trim()
                        : "?";
                    yield return $"{Path.GetFileName(process)} ({command}): {target}";
                }
            }
        }
    }
}
