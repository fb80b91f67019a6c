namespace SqlRsync.Tests.Support;

/// <summary>The native single-file sqlrsync, as scripts/build-native.sh leaves it (scripts/test.sh and CI build it first).</summary>
public static class NativeProgram
{
    public static string Path => Repository.File("artifacts/native/sqlrsync");

    /// <summary>Why the native file cannot be used, or null.</summary>
    public static string? Unavailable => File.Exists(Path) ? null : $"{Path} is not built (run scripts/build-native.sh)";

    public static ExternalProgram.Result Run(params string[] arguments) => ExternalProgram.Run(Path, arguments);
}
