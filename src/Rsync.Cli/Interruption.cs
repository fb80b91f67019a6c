namespace SqlRsync.Cli;

/// <summary>
/// The first Ctrl+C, or SIGTERM (systemd stopping a unit, timeout(1)), cancels the sync (a wait for
/// the replica's write lock ends at once), which rolls the replica back, or lets a commit under way
/// finish, and ends with one line (and the JSON outcome); a second Ctrl+C ends the process at once
/// (for a sync waiting on some other lock, its busy timeout; the replica's own transaction still
/// keeps it whole).
/// </summary>
internal sealed class Interruption : IDisposable
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
