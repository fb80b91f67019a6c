using SqlRsync.Platform;

namespace SqlRsync;

/// <summary>
/// Widens the pipes that carry a sync between a transport's program (the OpenSSH client) and this
/// process to 1 MiB: with Linux's 64 KiB, OpenSSH moves its buffer once per 64 KiB. At most 16 MiB of
/// pipes are widened at a time per process (a user's pipes share a quota); elsewhere nothing changes.
/// </summary>
public static class AgentPipes
{
    /// <summary>Widens the pipe under <paramref name="pipe"/> (a pipe stream); the bytes to give back with <see cref="Release"/> once it is closed
    /// (0: left as it was).</summary>
    public static int Widen(Stream pipe) => WidePipes.OfThisProcess.Widen(pipe);

    /// <summary>Gives back what <see cref="Widen"/> took, once its pipes are closed.</summary>
    public static void Release(int bytes) => WidePipes.OfThisProcess.Release(bytes);
}
