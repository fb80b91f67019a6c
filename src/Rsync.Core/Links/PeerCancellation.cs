using SqlRsync.Engine;

namespace SqlRsync.Links;

/// <summary>
/// The cancellation of a replica that runs in this process on an origin's behalf (a local sync, a
/// local replica of a fan-out): cancelled with the sync, but only before the origin's point of no
/// return. Once the origin has sent Done the sync is finished, not cancelled, so its replica must
/// commit even if the cancellation arrives while it still reads the last pages.
/// </summary>
internal sealed class PeerCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly CancellationTokenRegistration _registration;

    public PeerCancellation(ProgressTracker origin)
    {
        _registration = origin.OnCancelBeforeCommit(_source.Cancel);
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        _registration.Dispose();
        _source.Dispose();
    }
}
