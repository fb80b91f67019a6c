namespace SqlRsync.Tests.Support;

/// <summary>
/// Copies one agent's output to another's input, as ssh would carry it. When either end fails, it
/// closes both, so the writing agent gets a broken pipe instead of blocking on a full one.
/// </summary>
public static class StreamRelay
{
    public static Task Start(Stream from, Stream to) => Task.Run(() =>
    {
        try
        {
            from.CopyTo(to);
        }
        catch (IOException)
        {
            // The other agent exited; its exit code tells the test what happened.
        }
        finally
        {
            to.Dispose();
            from.Dispose();
        }
    });
}
