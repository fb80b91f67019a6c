namespace SqlRsync;

/// <summary>One snapshot of an archive.</summary>
/// <param name="Id">Its id: 16 hexadecimal digits (a unique prefix of 4 or more names it too).</param>
/// <param name="Time">When the origin's snapshot was taken (UTC, to the millisecond).</param>
/// <param name="Database">The origin's file name.</param>
/// <param name="PageCount">Pages of the database.</param>
/// <param name="PageSize">Bytes per page.</param>
/// <param name="PagesAdded">Pages it stored that the archive did not hold already.</param>
/// <param name="BytesAdded">Bytes it added to the archive: those pages, compressed, and its map and record.</param>
public sealed record SnapshotInfo(string Id, DateTimeOffset Time, string Database, uint PageCount, int PageSize, long PagesAdded, long BytesAdded)
{
    /// <summary>The database's size: pages times page size.</summary>
    public long DatabaseBytes => (long)PageCount * PageSize;
}
