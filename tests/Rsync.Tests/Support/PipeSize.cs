using System.Runtime.InteropServices;

namespace SqlRsync.Tests.Support;

/// <summary>How many bytes a pipe holds, as the kernel reports it: what the tests check widened pipes against.</summary>
public static class PipeSize
{
    /// <summary>fcntl(2) F_GETPIPE_SZ on <paramref name="fd"/>: its size in bytes, or -1.</summary>
    public static int Of(int fd) => Fcntl(fd, 1032, 0);

    [DllImport("libc", EntryPoint = "fcntl")]
    private static extern int Fcntl(int fd, int command, int argument);
}
