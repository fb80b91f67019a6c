using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SqlRsync.Ssh;

/// <summary>
/// This program's own executable, which sqlrsync can bring to a remote host that has no sqlrsync: only
/// the native single file can go (a .NET build needs the runtime and many files beside it).
/// </summary>
internal sealed record LocalExecutable(string Path, long Size, string Sha256, string Platform)
{
    private static readonly Lazy<LocalExecutable?> Own = new(Find);

    /// <summary>The running native sqlrsync, or null in a .NET (JIT) process.</summary>
    public static LocalExecutable? Current => Own.Value;

    /// <summary>What `uname -sm` prints on a host this executable runs on, such as "Linux x86_64".</summary>
    public static string UnamePlatform => $"{(OperatingSystem.IsLinux() ? "Linux" : RuntimeInformation.OSDescription.Split(' ')[0])} " +
        RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x86_64",
            Architecture.Arm64 => "aarch64",
            var other => other.ToString().ToLowerInvariant(),
        };

    private static LocalExecutable? Find()
    {
        if (RuntimeFeature.IsDynamicCodeSupported || Environment.ProcessPath is not { } path)
        {
            return null;
        }
        using var file = File.OpenRead(path);
        return new LocalExecutable(path, file.Length, Convert.ToHexStringLower(SHA256.HashData(file)), UnamePlatform);
    }
}
