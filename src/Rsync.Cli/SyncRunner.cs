using System.Diagnostics;

namespace SqlRsync.Cli;

/// <summary>
/// What every sync command does around the sync itself: the progress line while it runs, Ctrl+C,
/// then the summary, the JSON report and the exit code (3 under --check when the databases differ).
/// </summary>
internal static class SyncRunner
{
    public static int Run(OutputSettings output, string origin, string replica, SyncEndpoint originEndpoint, SyncEndpoint replicaEndpoint, SyncOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (Attempt(output, origin, replica, options, clock, "the replica is as it was",
            (progress, cancellation) => DatabaseSync.RunAsync(originEndpoint, replicaEndpoint, options, progress, cancellation), out int failed) is not { } result)
        {
            return failed;
        }

        int verbosity = Verbosity(output, result.DryRun);
        if (verbosity > 0)
        {
            foreach (var summaryLine in Summary.Lines(result, clock.Elapsed, verbosity))
            {
                Console.Error.WriteLine(summaryLine);
            }
        }
        if (output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForSuccess(origin, replica, result, clock.Elapsed, output.Check));
        }
        return output.Check && !result.Identical ? Program.Differ : Program.Success;
    }

    /// <summary>
    /// One origin, several replicas: an error line for each replica that failed, then (when any failed,
    /// or with -v) which replicas now hold the origin's snapshot. Exit 0 when all synced, 4 when some
    /// failed, 1 when all did; under --check, 3 when all were compared and some differ.
    /// </summary>
    public static int RunToMany(OutputSettings output, string origin, IReadOnlyList<string> replicas, SyncEndpoint originEndpoint, IReadOnlyList<SyncEndpoint> replicaEndpoints, SyncOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (Attempt(output, origin, string.Join(' ', replicas), options, clock, "the replicas that had not begun their commit are as they were",
            (progress, cancellation) => DatabaseSync.RunToManyAsync(originEndpoint, replicaEndpoints, options, progress, cancellation), out int notRun) is not { } outcomes)
        {
            return notRun;
        }

        var named = replicas.Zip(outcomes).ToList();
        var synced = named.Where(pair => pair.Second.Succeeded).Select(pair => pair.First).ToList();
        var failed = named.Where(pair => !pair.Second.Succeeded).Select(pair => pair.First).ToList();
        foreach (var ((replica, outcome), endpoint) in named.Zip(replicaEndpoints).Where(pair => !pair.First.Second.Succeeded))
        {
            // A remote replica's own error already names its host ("edge@vault: replica ..."): name it once.
            string message = outcome.Failure!.Message;
            string hostPrefix = endpoint is RemoteEndpoint remote ? $"{remote.Host}: " : "";
            Program.Failed($"{replica}: {(hostPrefix.Length > 0 && message.StartsWith(hostPrefix, StringComparison.Ordinal) ? message[hostPrefix.Length..] : message)}");
        }
        var results = named.Where(pair => pair.Second.Succeeded).Select(pair => (Replica: pair.First, Result: pair.Second.Result!)).ToList();
        bool dryRun = results.Any(pair => pair.Result.DryRun);
        int verbosity = Verbosity(output, dryRun);
        if (verbosity > 0)
        {
            foreach (var (replica, result) in results)
            {
                foreach (var summaryLine in Summary.Lines(result, TimeSpent(result), verbosity))
                {
                    Console.Error.WriteLine($"{replica}: {summaryLine}");
                }
            }
        }
        if ((verbosity > 0 || failed.Count > 0) && !output.Quiet && !output.Json)
        {
            string snapshot = results.Count > 0 ? $" ({results[0].Result.OriginPageCount:N0} pages)" : "";
            Console.Error.WriteLine($"sqlrsync: {synced.Count} of {replicas.Count} replicas {(dryRun ? "compared with" : "hold")} one snapshot of {origin}{snapshot}" +
                (synced.Count > 0 ? $": {string.Join(", ", synced)}" : "") + (failed.Count > 0 ? $"; failed: {string.Join(", ", failed)}" : ""));
        }
        if (output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForMany(origin, named, clock.Elapsed, output.Check));
        }
        return ExitCode(allFailed: failed.Count == replicas.Count, anyFailed: failed.Count > 0, differ: results.Any(pair => !pair.Result.Identical), output);
    }

    /// <summary>
    /// A directory of databases: an error line for each database that failed, a warning for each file
    /// left out, a line for the databases only the replica side has (never deleted), and (when any failed,
    /// or with -v) how many synced. Exit codes as for several replicas.
    /// </summary>
    public static int RunDirectory(OutputSettings output, string origin, string replica, SyncEndpoint originEndpoint, SyncEndpoint replicaEndpoint,
        DirectoryOptions selection, SyncOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (Attempt(output, origin, replica, options, clock, "the database under way is as it was, those before it synced",
            (progress, cancellation) => DatabaseSync.RunDirectoryAsync(originEndpoint, replicaEndpoint, selection, options, progress, cancellation), out int notRun) is not { } result)
        {
            return notRun;
        }

        var databases = result.Databases;
        var failed = databases.Where(database => !database.Succeeded).Concat(result.Deletions.Where(deletion => !deletion.Succeeded)).ToList();
        foreach (var database in failed)
        {
            Program.Failed($"{database.Name}: {database.Failure!.Message}");
        }
        var deleted = result.Deletions.Where(deletion => deletion.Succeeded).Select(deletion => deletion.Name).ToList();
        bool talk = !output.Quiet && !output.Json;
        if (talk)
        {
            foreach (var refused in result.Refused)
            {
                Console.Error.WriteLine($"sqlrsync: warning: left out {refused}");
            }
            if (deleted.Count > 0)
            {
                Console.Error.WriteLine($"sqlrsync: {(options.DryRun ? "would delete" : "deleted")} from {replica}: {string.Join(", ", deleted)}");
            }
            else if (result.OnlyOnReplica.Count > 0 && result.Deletions.Count == 0)
            {
                Console.Error.WriteLine($"sqlrsync: only in {replica}, not deleted: {string.Join(", ", result.OnlyOnReplica)} (--delete deletes them)");
            }
        }
        bool dryRun = options.DryRun;
        int verbosity = Verbosity(output, dryRun);
        if (verbosity > 0)
        {
            foreach (var database in databases.Where(database => database.Succeeded))
            {
                // One line per database at -v; the whole summary at -vv.
                var lines = verbosity == 1
                    ? new[] { Summary.Notice(database.Result!), Summary.PagesLine(database.Result!, TimeSpent(database.Result!)) }.OfType<string>()
                    : Summary.Lines(database.Result!, TimeSpent(database.Result!), verbosity);
                foreach (var summaryLine in lines)
                {
                    Console.Error.WriteLine($"{database.Name}: {summaryLine}");
                }
            }
        }
        if ((verbosity > 0 || failed.Count > 0) && talk)
        {
            int syncFailures = databases.Count(database => !database.Succeeded);
            Console.Error.WriteLine($"sqlrsync: {(dryRun ? "compared" : "synced")} {databases.Count - syncFailures} of {databases.Count} databases from {origin} to {replica}" +
                (failed.Count > 0 ? $"; failed: {string.Join(", ", failed.Select(database => database.Name))}" : ""));
        }
        if (output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForDirectory(origin, replica, result, clock.Elapsed, output.Check, dryRun));
        }
        return ExitCode(allFailed: databases.Count > 0 && failed.Count == databases.Count + result.Deletions.Count, anyFailed: failed.Count > 0,
            differ: databases.Any(database => database.Result is { Identical: false }), output);
    }

    /// <summary>
    /// Runs <paramref name="sync"/> with the progress line (blanked before anything else prints, on
    /// success or failure) and Ctrl+C and SIGTERM around it. Null when it failed or was interrupted: the
    /// error line (and the JSON report) is printed, and <paramref name="exitCode"/> says how it ended;
    /// <paramref name="leftAs"/> says, after an interruption, what it left.
    /// </summary>
    private static T? Attempt<T>(OutputSettings output, string origin, string replica, SyncOptions options, Stopwatch clock, string leftAs,
        Func<IProgress<SyncProgress>?, CancellationToken, Task<T>> sync, out int exitCode)
        where T : class
    {
        using var interrupt = new Interruption();
        try
        {
            using var progress = ProgressLine.StartIfWanted(output, options.BusyTimeout);
            exitCode = Program.Success;
            return sync(progress, interrupt.Token).GetAwaiter().GetResult();
        }
        catch (SyncException e)
        {
            exitCode = Fail(output, origin, replica, e.Message, clock.Elapsed);
        }
        catch (ArgumentException e)
        {
            // What the library refuses before it starts (the same file on both sides, a replica named twice) is a usage error.
            exitCode = Program.Usage(Program.MessageOf(e));
        }
        catch (OperationCanceledException)
        {
            Fail(output, origin, replica, $"{(interrupt.ByTerminate ? "stopped (SIGTERM)" : "interrupted")}; {leftAs}", clock.Elapsed);
            exitCode = interrupt.ByTerminate ? Program.Terminated : Program.Interrupted;
        }
        return null;
    }

    /// <summary>How much summary to print: a dry run exists to report, so its summary shows without -v (not with -q or --json).</summary>
    private static int Verbosity(OutputSettings output, bool dryRun) =>
        dryRun && !output.Quiet && !output.Json ? Math.Max(output.Verbosity, 1) : output.Verbosity;

    /// <summary>The exit code of a run of several replicas or databases: 1 all failed, 4 some, 3 under --check when any differs, else 0.</summary>
    private static int ExitCode(bool allFailed, bool anyFailed, bool differ, OutputSettings output) =>
        allFailed ? Program.SyncFailed : anyFailed ? Program.SomeFailed : output.Check && differ ? Program.Differ : Program.Success;

    /// <summary>One database's share of a run that synced several: the time its phases took.</summary>
    private static TimeSpan TimeSpent(SyncResult result) =>
        result.Phases.Hashing + result.Phases.Comparing + result.Phases.Sending + result.Phases.Committing;

    /// <summary>A failed sync (exit 1): the error line, and the JSON report when asked for.</summary>
    public static int Fail(OutputSettings output, string origin, string replica, string problem, TimeSpan elapsed = default)
    {
        if (output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForFailure(origin, replica, problem, elapsed));
        }
        return Program.Failed(problem);
    }

    /// <summary>
    /// The first Ctrl+C, or SIGTERM (systemd stopping a unit, timeout(1)), cancels the sync (a wait for
    /// the replica's write lock ends at once), which rolls the replica back, or lets a commit under way
    /// finish, and ends with one line (and the JSON outcome); a second Ctrl+C ends the process at once
    /// (for a sync waiting on some other lock, its busy timeout; the replica's own transaction still
    /// keeps it whole).
    /// </summary>
    private sealed class Interruption : IDisposable
    {
        private readonly CancellationTokenSource _source = new();
        private readonly System.Runtime.InteropServices.PosixSignalRegistration? _terminate;

        public Interruption()
        {
            Console.CancelKeyPress += OnCancel;
            if (!OperatingSystem.IsWindows())
            {
                _terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
                {
                    context.Cancel = true;
                    ByTerminate = true;
                    _source.Cancel();
                });
            }
        }

        public CancellationToken Token => _source.Token;

        /// <summary>Whether SIGTERM, not Ctrl+C, ended the sync.</summary>
        public bool ByTerminate { get; private set; }

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancel;
            _terminate?.Dispose();
            _source.Dispose();
        }

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = !_source.IsCancellationRequested;
            _source.Cancel();
        }
    }
}
