namespace SqlRsync.Engine.Pages;

/// <summary>
/// The page that holds file offset 2^30, where SQLite places its lock bytes. It never holds data:
/// sqlrsync never sends or writes it.
/// </summary>
internal static class LockBytePage
{
    public const long Offset = 1L << 30;

    public static uint For(int pageSize) => (uint)(Offset / pageSize) + 1;
}
