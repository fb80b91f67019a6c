using System.IO.Pipelines;
using SqlRsync.Dialects;
using SqlRsync.Engine;

namespace SqlRsync.Links;

/// <summary>
/// One replica of a fan-out as the origin reaches it: the replica role on a thread of this process,
/// over in-memory pipes, for a local path; the remote agent for HOST:PATH. It gives the origin two
/// streams, and after a failure the words that explain it best.
/// </summary>
internal abstract class ReplicaLink : IDisposable
{
    public abstract Stream FromReplica { get; }

    public abstract Stream ToReplica { get; }

    /// <exception cref="SyncException">A remote agent cannot be started (ssh fails, no such host).</exception>
    public static ReplicaLink Open(SyncEndpoint replica, SyncOptions options, CancellationToken cancellation) =>
        replica is RemoteEndpoint remote ? new RemoteLink(remote, options) : new LocalLink(replica.Path, options, cancellation);

    /// <summary>After the origin's side failed: the replica's own account when it has one, else <paramref name="failure"/>.</summary>
    public abstract SyncException Explain(SyncException failure);

    /// <summary>After a sync: ends the replica's input and waits for it to finish.</summary>
    public abstract void Finish();

    /// <summary>Stops the replica at once (a cancelled sync); it rolls back as after any failure.</summary>
    public abstract void Kill();

    public abstract void Dispose();

    private sealed class LocalLink : ReplicaLink
    {
        private readonly Pipe _toReplica = InMemoryPipe.Create();
        private readonly Pipe _toOrigin = InMemoryPipe.Create();
        private readonly Task _replica;

        public LocalLink(string path, SyncOptions options, CancellationToken cancellation)
        {
            FromReplica = _toOrigin.Reader.AsStream();
            ToReplica = _toReplica.Writer.AsStream();
            _replica = Task.Factory.StartNew(() =>
            {
                try
                {
                    ReplicaRole.Run(path, _toReplica.Reader.AsStream(), _toOrigin.Writer.AsStream(), options, new ProgressTracker(cancellation: cancellation));
                }
                finally
                {
                    _toReplica.Reader.Complete();
                    _toOrigin.Writer.Complete();
                }
            }, TaskCreationOptions.LongRunning);
        }

        public override Stream FromReplica { get; }

        public override Stream ToReplica { get; }

        public override SyncException Explain(SyncException failure)
        {
            Kill();
            try
            {
                _replica.GetAwaiter().GetResult();
            }
            catch (SyncException own) when (!FailureText.IsRelayed(own))
            {
                // The replica's first-hand reason, not the origin's report of hearing it.
                return own;
            }
            catch (Exception)
            {
            }
            return failure;
        }

        public override void Finish()
        {
            _toReplica.Writer.Complete();
            _replica.GetAwaiter().GetResult();
        }

        public override void Kill()
        {
            _toReplica.Writer.Complete();
            _toOrigin.Reader.Complete();
        }

        public override void Dispose() => Kill();
    }

    private sealed class RemoteLink(RemoteEndpoint remote, SyncOptions options) : ReplicaLink
    {
        private readonly RemoteAgent _agent = remote.StartAgent(new AgentRequest(AgentRole.Replica, options.BusyTimeout));

        public override Stream FromReplica => _agent.FromAgent;

        public override Stream ToReplica => _agent.ToAgent;

        public override SyncException Explain(SyncException failure) => _agent.ExplainFailure(failure);

        public override void Finish() => _agent.Finish();

        public override void Kill() => _agent.Kill();

        public override void Dispose() => _agent.Dispose();
    }
}
