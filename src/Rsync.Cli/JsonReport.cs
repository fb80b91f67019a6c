using System.Text.Json;

namespace SqlRsync.Cli;

/// <summary>
/// The --json report: one JSON object on one line of stdout, with the field names docs/usage.md
/// documents. Scripts depend on these names: add fields, never rename or remove one.
/// </summary>
internal static class JsonReport
{
    public static string ForSuccess(string origin, string replica, SyncResult result, TimeSpan elapsed, bool check) =>
        Write(json =>
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
            json.WriteNumber("origin_hash_bytes_per_second", Math.Round(result.OriginHashing.BytesPerSecond, 1));
            json.WriteNumber("replica_hashed_bytes", result.ReplicaHashing.Bytes);
            json.WriteNumber("replica_hash_bytes_per_second", Math.Round(result.ReplicaHashing.BytesPerSecond, 1));
        });

    public static string ForFailure(string origin, string replica, string error, TimeSpan elapsed) =>
        Write(json =>
        {
            json.WriteString("outcome", "failed");
            json.WriteString("error", error);
            json.WriteString("origin", origin);
            json.WriteString("replica", replica);
            json.WriteNumber("elapsed_seconds", Seconds(elapsed));
        });

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
