namespace SqlRsync.Engine.Sqlite;

/// <summary>
/// Whether a file starts with the 16 bytes every SQLite database starts with, read with a plain file
/// handle. Only for files no SQLite connection of this process has open: closing a handle on such a
/// file would drop that connection's locks (seed 001).
/// </summary>
internal static class SqliteHeader
{
    private static ReadOnlySpan<byte> Bytes => "SQLite format 3\0"u8;

    public static bool IsAtStartOf(string path)
    {
        Span<byte> start = stackalloc byte[16];
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            return file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && start.SequenceEqual(Bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
