namespace SqlRsync.Tests.Support;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <param name="inMemory">Under /dev/shm (tmpfs, where fsync costs nothing) when this machine has it.</param>
    public TempDirectory(bool inMemory = false)
    {
        Path = inMemory && Directory.Exists("/dev/shm")
            ? Directory.CreateDirectory(System.IO.Path.Combine("/dev/shm", "sqlrsync-test-" + Guid.NewGuid().ToString("N"))).FullName
            : Directory.CreateTempSubdirectory("sqlrsync-test-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the OS temp cleaner gets it later.
        }
    }
}
