using System.Diagnostics;
using SqlRsync.Platform;

namespace SqlRsync.Tests.Support;

/// <summary>
/// Waits (at most 30 s) until another process has reached a point that /proc shows: a file open, or a
/// write lock held. Tests use it to act while a sync is waiting, instead of guessing with a sleep.
/// </summary>
public static class ProcWatch
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Until a process other than this one and <paramref name="except"/> has <paramref name="path"/> open.</summary>
    public static void WaitUntilOpened(string path, params int[] except) =>
        WaitUntil(() => OpenedBy(Path.GetFullPath(path)).Any(pid => pid != Environment.ProcessId && !except.Contains(pid)), $"no other process opened {path}");

    /// <summary>Until a process other than <paramref name="except"/> holds a write lock on byte <paramref name="offset"/> of <paramref name="path"/>.</summary>
    public static void WaitUntilWriteLocked(string path, long offset, params int[] except) =>
        WaitUntil(() => (LockHolders.Of(path) ?? []).Any(held => held.Write && !held.Waiting && held.Start <= offset && offset <= held.End
            && !except.Contains(held.ProcessId)),
            $"no other process write-locked byte {offset} of {path}");

    private static void WaitUntil(Func<bool> reached, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!reached())
        {
            if (clock.Elapsed > Limit)
            {
                throw new TimeoutException($"{failure} within {Limit.TotalSeconds} s");
            }
            Thread.Sleep(20);
        }
    }

    private static IEnumerable<int> OpenedBy(string path)
    {
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out int pid))
            {
                continue;
            }
            string[] descriptors;
            try
            {
                descriptors = Directory.GetFiles(Path.Combine(process, "fd"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;  // the process ended, or is not ours to look at
            }
            foreach (var descriptor in descriptors)
            {
                string? target = null;
                try
                {
                    target = new FileInfo(descriptor).LinkTarget;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
                if (target == path)
                {
                    yield return pid;
                    break;
                }
            }
        }
    }
}
