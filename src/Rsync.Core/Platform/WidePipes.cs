using System.IO.Pipes;

namespace SqlRsync.Platform;

/// <summary>
/// Pipes of 1 MiB (Linux's default most for a user) instead of 64 KiB between sqlrsync and the OpenSSH
/// programs that carry its protocol: the agent's stdin and stdout under sshd, and the ssh client's on
/// the calling side. OpenSSH copies a channel's data into a pipe a pipe's worth at a time and moves
/// the rest to the front of its buffer after each copy, so a small pipe costs it a memmove per 64 KiB
/// (docs/benchmarks.md, "Wide pipes to OpenSSH").
/// A user's pipes share a quota (fs.pipe-user-pages-soft, 64 MiB by default) beyond which Linux
/// gives every new pipe of that user 8 KiB, so this process widens at most 16 MiB of pipes at a time
/// (the ssh clients of eight replicas of a fan-out); a descriptor that is not a pipe keeps what it has.
/// </summary>
internal sealed class WidePipes(long mostAtOnce)
{
    public const int Bytes = 1 << 20;

    private long _widened;

    /// <summary>The pipes of this process.</summary>
    public static WidePipes OfThisProcess { get; } = new(16 << 20);

    /// <summary>Widens the pipe of <paramref name="fd"/>; the bytes to <see cref="Release"/> once it is closed (0: left as it was).</summary>
    public int Widen(int fd)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        if (Interlocked.Add(ref _widened, Bytes) > mostAtOnce || Libc.SetPipeSize(fd, Bytes) < 0)
        {
            Release(Bytes);
            return 0;
        }
        return Bytes;
    }

    /// <inheritdoc cref="Widen(int)"/>
    public int Widen(Stream stream) =>
        stream is PipeStream pipe ? Widen((int)pipe.SafePipeHandle.DangerousGetHandle()) : 0;

    /// <summary>Gives back what <see cref="Widen(int)"/> took, once its pipe is closed.</summary>
    public void Release(int bytes) => Interlocked.Add(ref _widened, -bytes);
}
