namespace SqlRsync.Tests.Support;

/// <summary>Files of this repository, found from the test binaries (tests/Rsync.Tests/bin/CONFIG/TFM/).</summary>
public static class Repository
{
    public static string File(string relativePath) =>
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../..", relativePath));
}
