using System.Diagnostics;

namespace SqlRsync.Tests.Support;

/// <summary>
/// Debian's rclone, a tool no one here wrote, copying files between a directory and a bucket of a
/// <see cref="SwiftServer"/> as a user would copy an archive. Its remote "swift:" is set up by the
/// environment alone (S3, provider Other, path-style, the server's endpoint and tempauth's keys), and no
/// rclone.conf or ~/.config of this machine is read.
/// </summary>
public static class Rclone
{
    private const string Program = "/usr/bin/rclone";

    /// <summary>Why rclone cannot run here, or null when it can.</summary>
    public static string? Unavailable => File.Exists(Program) ? null : $"{Program} is not installed (Debian package rclone; .ci/run installs it)";

    /// <summary>The remote path of <paramref name="prefix"/> in <paramref name="bucket"/>, for <see cref="Copy"/>.</summary>
    public static string Remote(string bucket, string prefix) => $"swift:{bucket}/{prefix}";

    /// <summary>
    /// <c>rclone copy FROM TO</c>, each a directory or a <see cref="Remote"/>, leaving out what <paramref name="exclude"/>
    /// patterns (rclone's filter syntax) match; it must succeed.
    /// </summary>
    public static void Copy(SwiftServer swift, string from, string to, params string[] exclude)
    {
        using var home = new TempDirectory();
        var start = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["copy", from, to, .. exclude.SelectMany(pattern => new[] { "--exclude", pattern })])
        {
            start.ArgumentList.Add(argument);
        }
        // The AWS SDK inside rclone reads AWS_* (a CA bundle it then fails to load for plain http, a profile): none of them are the test's.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["HOME"] = home.Path;
        start.Environment["RCLONE_CONFIG"] = home.File("rclone.conf");
        start.Environment["RCLONE_CONFIG_SWIFT_TYPE"] = "s3";
        start.Environment["RCLONE_CONFIG_SWIFT_PROVIDER"] = "Other";
        start.Environment["RCLONE_CONFIG_SWIFT_ENDPOINT"] = swift.Endpoint;
        start.Environment["RCLONE_CONFIG_SWIFT_REGION"] = SwiftServer.Region;
        start.Environment["RCLONE_CONFIG_SWIFT_FORCE_PATH_STYLE"] = "true";
        start.Environment["RCLONE_CONFIG_SWIFT_ACCESS_KEY_ID"] = SwiftServer.AccessKey;
        start.Environment["RCLONE_CONFIG_SWIFT_SECRET_ACCESS_KEY"] = SwiftServer.SecretKey;
        // The bucket exists: rclone need not try to make it.
        start.Environment["RCLONE_CONFIG_SWIFT_NO_CHECK_BUCKET"] = "true";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rclone copy {from} {to} did not finish within 2 minutes");
        }
        Assert.True(process.ExitCode == 0, $"rclone copy {from} {to} exited {process.ExitCode}: {output.Result}{error.Result}");
    }
}
