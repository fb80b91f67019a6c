using Rsync.Core.Sync;

namespace Rsync.Cli;

/// <summary>The -v summary line.</summary>
internal static class Summary
{
    public static string Line(SyncResult result, TimeSpan elapsed)
    {
        long total = (long)result.OriginPageCount * result.PageSize;
        long wire = result.BytesWritten + result.BytesRead;
        return $"sent {result.PagesSent} of {result.OriginPageCount} pages ({result.PageBytesRaw:N0} bytes, {result.PageBytesOnWire:N0} on the wire); " +
               $"exchanged {wire:N0} bytes in {result.RoundTrips} round trips; database {total:N0} bytes; {elapsed.TotalSeconds:0.000} s";
    }
}
