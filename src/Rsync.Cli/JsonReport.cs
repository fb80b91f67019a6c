using System.Text.Json;

namespace SqlRsync.Cli;

/// <summary>
/// The --json report: one JSON object on one line of stdout, with the field names docs/usage.md
/// documents. Scripts depend on these names: add fields, never rename or remove one.
/// </summary>
internal static class JsonReport
{
    /// <summary>
    /// A sync that ran. ORIGIN REPLICA: the sync's fields. Several replicas: outcome "synced" (or
    /// "dry_run", "checked") when all succeeded, "partial" when some failed, "failed" when all did, and
    /// "replicas" holds one object per replica, in the order given, each as a single sync reports it. A
    /// directory: its outcome and counts, the names only the replica side has, and one object per database.
    /// </summary>
    public static string For(SyncRequest request, RunOutcome run, TimeSpan elapsed, bool dryRun)
    {
        string origin = request.Origin.ToString();
        string replica = request.ReplicaText;
        bool check = request.Output.Check;
        int failed = run.Outcomes.Count(outcome => !outcome.Succeeded);
        return request.Shape switch
        {
            SyncShape.One => Write(json => SuccessFields(json, origin, replica, run.Outcomes[0].Result!, elapsed, check)),
            SyncShape.Many => Write(json =>
            {
                json.WriteString("outcome", Overall(run.Outcomes.Count, failed, check, dryRun));
                json.WriteString("origin", origin);
                json.WriteNumber("replicas_synced", run.Outcomes.Count - failed);
                json.WriteNumber("replicas_failed", failed);
                json.WriteNumber("elapsed_seconds", Seconds(elapsed));
                json.WriteStartArray("replicas");
                foreach (var outcome in run.Outcomes)
                {
                    json.WriteStartObject();
                    OneFields(json, origin, outcome.Name, outcome.Result, outcome.Failure, elapsed, check);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }),
            _ => Write(json =>
            {
                var directory = run.Directory!;
                json.WriteString("outcome", Overall(run.Outcomes.Count, failed, check, dryRun));
                json.WriteString("origin", origin);
                json.WriteString("replica", replica);
                json.WriteNumber("databases_synced", run.Outcomes.Count - failed);
                json.WriteNumber("databases_failed", failed);
                json.WriteNumber("elapsed_seconds", Seconds(elapsed));
                Names(json, "only_on_replica", directory.OnlyOnReplica);
                Names(json, "deleted", directory.Deletions.Where(deletion => deletion.Succeeded).Select(deletion => deletion.Name));
                Names(json, "left_out", directory.Refused);
                json.WriteStartArray("databases");
                foreach (var database in run.Outcomes)
                {
                    json.WriteStartObject();
                    json.WriteString("name", database.Name);
                    OneFields(json, origin, replica, database.Result, database.Failure, elapsed, check);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }),
        };
    }

    /// <summary>A sync that failed as a whole (or was interrupted).</summary>
    public static string ForFailure(string origin, string replica, string error, TimeSpan elapsed) =>
        Write(json => FailureFields(json, origin, replica, error, elapsed));

    private static void Names(Utf8JsonWriter json, string property, IEnumerable<string> names)
    {
        json.WriteStartArray(property);
        foreach (var name in names)
        {
            json.WriteStringValue(name);
        }
        json.WriteEndArray();
    }

    /// <summary>The outcome of a run of several: failed when all failed, partial when some did.</summary>
    private static string Overall(int count, int failed, bool check, bool dryRun) =>
        count > 0 && failed == count ? "failed" : failed > 0 ? "partial" : check ? "checked" : dryRun ? "dry_run" : "synced";

    /// <summary>One database's or replica's fields within a run of several, as a single sync reports them.</summary>
    private static void OneFields(Utf8JsonWriter json, string origin, string replica, SyncResult? result, SyncException? failure, TimeSpan elapsed, bool check)
    {
        if (result is not null)
        {
            SuccessFields(json, origin, replica, result, elapsed, check);
        }
        else
        {
            FailureFields(json, origin, replica, failure!.Message, elapsed);
        }
    }

    private static void SuccessFields(Utf8JsonWriter json, string origin, string replica, SyncResult result, TimeSpan elapsed, bool check)
    {
        var figures = new SyncFigures(result, elapsed);
        json.WriteString("outcome", check ? "checked" : result.DryRun ? "dry_run" : "synced");
        json.WriteNull("error");
        json.WriteString("origin", origin);
        json.WriteString("replica", replica);
        json.WriteBoolean("dry_run", result.DryRun);
        json.WriteBoolean("identical", result.Identical);
        json.WriteNumber("page_size", result.PageSize);
        json.WriteNumber("origin_pages", result.OriginPageCount);
        json.WriteNumber("replica_pages_before", result.ReplicaPageCountBefore);
        json.WriteNumber("replica_pages_after", figures.ReplicaPagesAfter);
        json.WriteNumber("replaced_page_size", result.ReplacedPageSize);
        json.WriteNumber("pages_changed", result.PagesSent);
        json.WriteNumber("page_bytes", result.PageBytesRaw);
        json.WriteNumber("page_bytes_on_wire", result.PageBytesOnWire);
        json.WriteNumber("bytes_sent", figures.BytesSent);
        json.WriteNumber("bytes_received", figures.BytesReceived);
        json.WriteNumber("bytes_per_second", Math.Round(figures.BytesPerSecond, 1));
        json.WriteNumber("total_size", figures.TotalSize);
        json.WriteNumber("speedup", Math.Round(figures.Speedup, 2));
        json.WriteNumber("round_trips", result.RoundTrips);
        json.WriteString("protocol", result.Protocol);
        json.WriteNumber("elapsed_seconds", Seconds(elapsed));
        json.WriteStartObject("phase_seconds");
        json.WriteNumber("hashing", Seconds(result.Phases.Hashing));
        json.WriteNumber("comparing", Seconds(result.Phases.Comparing));
        json.WriteNumber("sending", Seconds(result.Phases.Sending));
        json.WriteNumber("committing", Seconds(result.Phases.Committing));
        json.WriteEndObject();
        json.WriteNumber("origin_hashed_bytes", result.OriginHashing.Bytes);
        json.WriteNumber("origin_pages_read", result.OriginPagesRead);
        json.WriteNumber("origin_hash_bytes_per_second", Math.Round(result.OriginHashing.BytesPerSecond, 1));
        json.WriteNumber("replica_hashed_bytes", result.ReplicaHashing.Bytes);
        json.WriteNumber("replica_hash_bytes_per_second", Math.Round(result.ReplicaHashing.BytesPerSecond, 1));
        if (result.Snapshot is { } snapshot)
        {
            json.WritePropertyName("snapshot");
            SnapshotFields(json, snapshot);
        }
    }

    /// <summary>The snapshot an archive sync added or restored, or one of a list: its id, time, pages and what it added.</summary>
    public static void SnapshotFields(Utf8JsonWriter json, SnapshotInfo snapshot)
    {
        json.WriteStartObject();
        json.WriteString("id", snapshot.Id);
        json.WriteString("time", snapshot.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("database", snapshot.Database);
        json.WriteNumber("pages", snapshot.PageCount);
        json.WriteNumber("page_size", snapshot.PageSize);
        json.WriteNumber("size", snapshot.DatabaseBytes);
        json.WriteNumber("pages_added", snapshot.PagesAdded);
        json.WriteNumber("bytes_added", snapshot.BytesAdded);
        json.WriteEndObject();
    }

    /// <summary>An archive's snapshots, oldest first (sqlrsync --list --json).</summary>
    public static string ForList(string archive, IReadOnlyList<SnapshotInfo> snapshots) => Write(json =>
    {
        json.WriteString("archive", archive);
        json.WriteStartArray("snapshots");
        foreach (var snapshot in snapshots)
        {
            SnapshotFields(json, snapshot);
        }
        json.WriteEndArray();
    });

    /// <summary>What sqlrsync --verify --json read and found: outcome "intact" or "damaged", and the problems.</summary>
    public static string ForVerify(string archive, VerifyResult result) => Write(json =>
    {
        json.WriteString("outcome", result.IsIntact ? "intact" : "damaged");
        json.WriteString("archive", archive);
        json.WriteNumber("snapshots", result.Snapshots);
        json.WriteNumber("packs", result.Packs);
        json.WriteNumber("blobs", result.Blobs);
        json.WriteNumber("bytes_read", result.BytesRead);
        json.WriteStartArray("problems");
        foreach (var problem in result.Problems)
        {
            json.WriteStringValue(problem);
        }
        json.WriteEndArray();
    });

    /// <summary>What sqlrsync --prune --json kept and removed: outcome "pruned" or "dry_run".</summary>
    public static string ForPrune(string archive, PruneResult result) => Write(json =>
    {
        json.WriteString("outcome", result.DryRun ? "dry_run" : "pruned");
        json.WriteString("archive", archive);
        json.WriteNumber("packs_deleted", result.PacksDeleted);
        json.WriteNumber("packs_written", result.PacksWritten);
        json.WriteNumber("bytes_before", result.BytesBefore);
        json.WriteNumber("bytes_after", result.BytesAfter);
        foreach (var (name, snapshots) in new[] { ("kept", result.Kept), ("removed", result.Removed) })
        {
            json.WriteStartArray(name);
            foreach (var snapshot in snapshots)
            {
                SnapshotFields(json, snapshot);
            }
            json.WriteEndArray();
        }
    });

    /// <summary>
    /// One cycle of --watch: when it started, its lag and duration, the pages and bytes it sent, whether
    /// it read all of the origin, and each replica it synced as a single sync reports it.
    /// </summary>
    public static string ForCycle(string origin, WatchCycle cycle) => Write(json =>
    {
        json.WriteNumber("cycle", cycle.Number);
        json.WriteString("time", cycle.Started.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("origin", origin);
        json.WriteNumber("lag_seconds", Seconds(cycle.Lag));
        json.WriteNumber("elapsed_seconds", Seconds(cycle.Duration));
        json.WriteNumber("pages_changed", cycle.PagesSent);
        json.WriteNumber("page_bytes_on_wire", cycle.BytesSent);
        json.WriteBoolean("rescan", cycle.Rescan);
        json.WriteNumber("replicas_synced", cycle.Replicas.Count(outcome => outcome.Succeeded));
        json.WriteNumber("replicas_failed", cycle.Replicas.Count(outcome => !outcome.Succeeded));
        json.WriteStartArray("replicas");
        foreach (var outcome in cycle.Replicas)
        {
            json.WriteStartObject();
            OneFields(json, origin, outcome.Name, outcome.Result, outcome.Failure, cycle.Duration, check: false);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    private static void FailureFields(Utf8JsonWriter json, string origin, string replica, string error, TimeSpan elapsed)
    {
        json.WriteString("outcome", "failed");
        json.WriteString("error", error);
        json.WriteString("origin", origin);
        json.WriteString("replica", replica);
        json.WriteNumber("elapsed_seconds", Seconds(elapsed));
    }

    private static double Seconds(TimeSpan time) => Math.Round(time.TotalSeconds, 6);

    private static string Write(Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            fields(json);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
