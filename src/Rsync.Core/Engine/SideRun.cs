using SqlRsync.Engine.Sqlite;

namespace SqlRsync.Engine;

/// <summary>
/// How one side's conversation ends when it fails, in either protocol: <c>undo</c> runs first (the
/// replica rolls back before the peer hears of the failure), then the peer is told why (unless the
/// failure is the peer's own error, relayed), and the failure is thrown as the SyncException to report.
/// An undo that cannot complete (the replica is not as it was) is what is reported instead: every
/// other failure's message promises an unchanged replica.
/// </summary>
internal static class SideRun
{
    /// <summary>Runs <paramref name="side"/>; <paramref name="undo"/> also runs after success, so it must be safe to run twice.</summary>
    public static SyncResult Run(string sideName, string database, TimeSpan busyTimeout, Func<SyncResult> side, Action undo, Action<SyncException> tellPeer)
    {
        try
        {
            return side();
        }
        catch (Exception e)
        {
            var failure = e is SqliteCallException sqlite
                ? FailureText.ForDatabase(sideName, database, sqlite, busyTimeout)
                : FailureText.Normalize(e);
            try
            {
                undo();
            }
            catch (SyncException incomplete)
            {
                failure = incomplete;
            }
            if (failure is SyncException ours && !FailureText.IsRelayed(ours))
            {
                tellPeer(ours);
            }
            if (failure == e)
            {
                throw;
            }
            throw failure;
        }
        finally
        {
            undo();
        }
    }
}
