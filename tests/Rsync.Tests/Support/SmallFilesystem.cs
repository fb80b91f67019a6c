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

    public void MakeReadOnly()
    {
        var remount = ExternalProgram.Run("mount", ["-o", "remount,ro", _dir.Path]);
        Assert.True(remount.ExitCode == 0, remount.StandardError);
    }

    public void MakeWritable()
    {
        var remount = ExternalProgram.Run("mount", ["-o", "remount,rw", _dir.Path]);
        Assert.True(remount.ExitCode == 0, remount.StandardError);
    }

    public void Dispose()
    {
        if (Unavailable is null)
        {
            ExternalProgram.Run("umount", [_dir.Path]);
        }
        _dir.Dispose();
    }
}
