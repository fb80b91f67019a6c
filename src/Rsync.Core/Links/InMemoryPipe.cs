using System.IO.Pipelines;

namespace SqlRsync.Links;

/// <summary>
/// The in-memory pipes that join two sides running in this process (a local sync, a local replica of
/// a fan-out, a local directory session). The roles use them as blocking streams, so every time the
/// writer pauses for the reader a thread blocks and another wakes, and with Pipe's default 64 KiB pause
/// threshold those hand-offs took most of a new replica's time. A few MiB in flight keeps both threads
/// busy at little memory (docs/benchmarks.md, "In-process pipes").
/// </summary>
internal static class InMemoryPipe
{
    private static readonly PipeOptions Options = new(
        pauseWriterThreshold: 2 * 1024 * 1024,
        resumeWriterThreshold: 1024 * 1024,
        minimumSegmentSize: 256 * 1024,
        useSynchronizationContext: false);

    public static Pipe Create() => new(Options);
}
