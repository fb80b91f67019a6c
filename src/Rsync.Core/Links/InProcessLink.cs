using System.IO.Pipelines;
using SqlRsync.Engine;

namespace SqlRsync.Links;

/// <summary>
/// The other side on a thread of this process (the replica of a local sync or of a fan-out, the agent
/// of a local directory sync), joined by two in-memory pipes: both sides work at once, one per core,
/// speaking exactly what ssh would carry.
/// </summary>
internal sealed class InProcessLink : PeerLink
{
    private readonly Pipe _toPeer = InMemoryPipe.Create();
    private readonly Pipe _fromPeer = InMemoryPipe.Create();
    private readonly Task _peer;

    public InProcessLink(Action<Stream, Stream> peer)
    {
        FromPeer = _fromPeer.Reader.AsStream();
        ToPeer = _toPeer.Writer.AsStream();
        _peer = Task.Factory.StartNew(() =>
        {
            try
            {
                peer(_toPeer.Reader.AsStream(), _fromPeer.Writer.AsStream());
            }
            finally
            {
                // A side that stops closes its ends, which ends the other's wait.
                _toPeer.Reader.Complete();
                _fromPeer.Writer.Complete();
            }
        }, TaskCreationOptions.LongRunning);
    }

    public override Stream FromPeer { get; }

    public override Stream ToPeer { get; }

    public override void Finish()
    {
        _toPeer.Writer.Complete();
        _peer.GetAwaiter().GetResult();
    }

    public override void Kill()
    {
        _toPeer.Writer.Complete();
        _fromPeer.Reader.Complete();
    }

    public override SyncException Explain(SyncException failure)
    {
        Kill();
        try
        {
            _peer.GetAwaiter().GetResult();
        }
        catch (SyncException own) when (!FailureText.IsRelayed(own))
        {
            // The other side's first-hand reason, not this side's report of hearing it.
            return own;
        }
        catch (Exception)
        {
        }
        return failure;
    }

    public override void Dispose()
    {
        Kill();
        try
        {
            _peer.Wait();
        }
        catch (AggregateException)
        {
            // Its failure was reported through Explain, or this side failed first.
        }
    }
}
