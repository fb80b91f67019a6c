using System.Diagnostics;

namespace SqlRsync.Cli;

/// <summary>
/// What every sync command does around the sync itself: the progress line while it runs, Ctrl+C,
/// then the summary, the JSON report and the exit code (3 under --check when the databases differ).
/// </summary>
internal static class SyncRunner
{
    public static int Run(SyncRequest request)
    {
        var output = request.Output;
        var clock = Stopwatch.StartNew();
        // Over ssh an archive cannot be recognised from here: --at says the origin is one.
        var origin = ToSyncEndpoint(request.Origin, request, asArchive: request.Origin.IsRemote && request.Archive.At is not null);
        var replicas = request.Replicas.Select(replica => ToSyncEndpoint(replica, request, request.Archive.ReplicaIsArchive)).ToList();
        if (ArchiveRule(request, origin, replicas) is { } problem)
        {
            return Program.Usage(problem);
        }
        if (request.Watch is not null)
        {
            return origin is ArchiveEndpoint ? Program.Usage($"--watch keeps replicas of a database fresh, and ORIGIN {request.Origin} is an archive")
                : WatchRunner.Run(request, origin, replicas);
        }
        // Warnings about a side (a database on a network filesystem) go to stderr, unless quiet.
        var options = request.Options with { Warnings = output.Quiet ? null : Console.Error.WriteLine };
        var run = Attempt(request, clock, async (progress, cancellation) => request.Shape switch
        {
            SyncShape.One => new RunOutcome([new SyncOutcome(request.ReplicaText, await DatabaseSync.RunAsync(origin, replicas[0], options, progress,
                cancellation), null)]),
            SyncShape.Many => new RunOutcome(
                [.. (await DatabaseSync.RunToManyAsync(origin, replicas, options, progress, cancellation)).Select((outcome,
                    at) => outcome with { Name = request.Replicas[at].ToString() })],
                Replicas: replicas),
            _ => RunOutcome.Of(await DatabaseSync.RunDirectoryAsync(origin, replicas[0], request.Selection, options, progress, cancellation)),
        }, out int exitCode);
        return run is null ? exitCode : Report.Print(request, run, clock.Elapsed);
    }

    private static SyncEndpoint ToSyncEndpoint(Endpoint endpoint, SyncRequest request, bool asArchive) =>
        endpoint.IsRemote ? request.Archive.Remote(request.Remote.EndpointFor(endpoint), asArchive)
            // s3://BUCKET/PREFIX is always an archive (ORIGIN_DIR/ s3://...: one per database under the prefix).
            : endpoint.IsObjectStorage ? StoredArchive(endpoint, request)
            // ORIGIN_DIR/ ROOT --archive: an archive per database under ROOT.
            : request.Shape == SyncShape.Directory ? (asArchive ? new ArchiveEndpoint(endpoint.Path) { KeyFile = request.Archive.KeyFile }
                : SyncEndpoint.Local(endpoint.Path))
            : request.Archive.Local(endpoint.Path, asArchive);

    /// <summary>The archive an s3:// side names; for ORIGIN_DIR/ the root of an archive per database, which no --at selects in.</summary>
    private static ArchiveEndpoint StoredArchive(Endpoint endpoint, SyncRequest request) => request.Shape == SyncShape.Directory
        ? new ArchiveEndpoint(request.S3.StorageFor(endpoint)) { KeyFile = request.Archive.KeyFile }
        : request.Archive.Stored(request.S3.StorageFor(endpoint));

    /// <summary>What the archive options say about the sides, once it is known which sides are archives.</summary>
    private static string? ArchiveRule(SyncRequest request, SyncEndpoint origin, List<SyncEndpoint> replicas)
    {
        bool any = origin is ArchiveEndpoint || replicas.Any(replica => replica is ArchiveEndpoint);
        return request.Archive.At is not null && origin is not ArchiveEndpoint
                ? $"--at names a snapshot to restore, and ORIGIN {request.Origin} is not an archive"
            : request.Archive.KeyFile is not null && !any ? "--encryption-key is the key of an archive, and neither side is one"
            : origin is ArchiveEndpoint && replicas.Count > 1 ? "an archive restores into one REPLICA at a time"
            : null;
    }

    /// <summary>
    /// Runs <paramref name="sync"/> with the progress line (blanked before anything else prints, on
    /// success or failure) and Ctrl+C and SIGTERM around it. Null when it failed or was interrupted: the
    /// error line (and the JSON report) is printed, and <paramref name="exitCode"/> says how it ended.
    /// </summary>
    private static RunOutcome? Attempt(SyncRequest request, Stopwatch clock, Func<IProgress<SyncProgress>?, CancellationToken,
        Task<RunOutcome>> sync, out int exitCode)
    {
        var output = request.Output;
        string origin = request.Origin.ToString();
        using var interrupt = new Interruption();
        try
        {
            using var progress = ProgressLine.StartIfWanted(output, request.Options.BusyTimeout);
            exitCode = Program.Success;
            return sync(progress, interrupt.Token).GetAwaiter().GetResult();
        }
        catch (SyncException e)
        {
            exitCode = Fail(output, origin, request.ReplicaText, e.Message, clock.Elapsed);
        }
        catch (OperationCanceledException)
        {
            Fail(output, origin, request.ReplicaText, $"{(interrupt.ByTerminate ? "stopped (SIGTERM)" : "interrupted")}; {LeftAs(request.Shape)}",
                clock.Elapsed);
            exitCode = interrupt.ByTerminate ? Program.Terminated : Program.Interrupted;
        }
        return null;
    }

    /// <summary>What an interrupted sync left, in a few words.</summary>
    private static string LeftAs(SyncShape shape) => shape switch
    {
        SyncShape.One => "the replica is as it was",
        SyncShape.Many => "the replicas that had not begun their commit are as they were",
        _ => "the database under way is as it was, those before it synced",
    };

    /// <summary>A failed sync (exit 1): the error line, and the JSON report when asked for.</summary>
    public static int Fail(OutputSettings output, string origin, string replica, string problem, TimeSpan elapsed = default)
    {
        if (output.Json)
        {
            Console.Out.WriteLine(JsonReport.ForFailure(origin, replica, problem, elapsed));
        }
        return Program.Failed(problem);
    }
}
