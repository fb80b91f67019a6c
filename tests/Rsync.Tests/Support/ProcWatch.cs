using System.Diagnostics;
using SqlRsync.Platform;

namespace SqlRsync.Tests.Support;

/// <summary>
/// Waits (at most 30 s) until another process has reached a point that /proc shows: a file open, or a
/// write lock held. Tests use it to act while a sync is waiting, instead of guessing with a sleep. It
/// also finds processes by what /proc says of them (their command line, name and parent), for tests
/// that kill one at the moment it runs.
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

    /// <summary>The processes other than this one that <paramref name="match"/>.</summary>
    public static List<int> ProcessesWhere(Func<int, bool> match) => [.. Processes().Where(pid => pid != Environment.ProcessId && match(pid))];

    /// <summary>Its command line, the arguments apart by spaces; empty once it ended.</summary>
    public static string CommandLine(int pid) => Read($"/proc/{pid}/cmdline").Replace('\0', ' ');

    /// <summary>Its command's name (comm); empty once it ended.</summary>
    public static string CommandName(int pid) => Read($"/proc/{pid}/comm").Trim();

    /// <summary>Its parent's process id; 0 once it ended.</summary>
    public static int ParentOf(int pid)
    {
        // The fields after the command's name, which is in parentheses and may hold spaces: state, then the parent.
        var stat = Read($"/proc/{pid}/stat");
        int name = stat.LastIndexOf(')');
        if (name < 0 || name + 2 > stat.Length)
        {
            return 0;
        }
        var fields = stat[(name + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], out int parent) ? parent : 0;
    }

    private static IEnumerable<int> Processes() =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Select(name => int.TryParse(name, out int pid) ? pid : 0).Where(pid => pid > 0);

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";  // the process ended, or is not ours to look at
        }
    }

    private static IEnumerable<int> OpenedBy(string path)
    {
        foreach (int pid in Processes())
        {
            string[] descriptors;
            try
            {
                descriptors = Directory.GetFiles($"/proc/{pid}/fd");
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
