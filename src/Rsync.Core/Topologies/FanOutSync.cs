using SqlRsync.Dialects;
using SqlRsync.Engine;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Engine.Sqlite;
using SqlRsync.Links;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Topologies;

/// <summary>
/// One origin to many replicas from one snapshot. Every replica is greeted at once and takes its
/// write lock; only when all have answered (or failed) is the origin's snapshot pinned — once — and
/// its hash tree built — once; then each replica is compared against that tree and sent its pages,
/// several at a time, all read through the one connection (<see cref="SharedPages"/>). The snapshot
/// is released when the last page of the last replica has left, before the commits. A replica that
/// fails fails alone: it rolls back, and the others go on.
/// </summary>
internal static class FanOutSync
{
    /// <summary>
    /// Syncs every replica from one snapshot of <paramref name="originPath"/>; with <paramref name="kept"/>
    /// (a watch's cycles), the origin's tree is the one kept from the last cycle, with its seed, hashed
    /// again only where pages changed, and so is a local database replica's that
    /// <paramref name="keptReplica"/> gives; a remote replica is served by the agent
    /// <paramref name="keptAgent"/> gives, kept from one cycle to the next.
    /// </summary>
    public static IReadOnlyList<SyncOutcome> Run(string originPath, IReadOnlyList<SyncEndpoint> replicas, SyncOptions options, ProgressTracker progress,
        KeptOriginTree? kept = null, Func<SyncEndpoint, KeptReplicaTree?>? keptReplica = null, Func<SyncEndpoint, KeptAgent?>? keptAgent = null)
    {
        originPath = PathChecks.Origin(originPath);
        var branches = replicas.Select(replica => new Branch(replica, Path.GetFileName(originPath), options, keptReplica?.Invoke(replica),
            keptAgent?.Invoke(replica), progress.Cancellation)).ToList();
        try
        {
            OriginSession origin;
            try
            {
                origin = OriginSession.Open(originPath, options.BusyTimeout);
            }
            catch (SqliteCallException e)
            {
                throw FailureText.ForDatabase("origin", originPath, e, options.BusyTimeout);
            }
            using (origin)
            {
                Sync(origin, branches, options, progress, kept);
            }
        }
        catch (SyncException failure)
        {
            // The origin itself failed: every replica still waiting hears why.
            foreach (var branch in branches)
            {
                branch.Fail(failure);
            }
        }
        finally
        {
            foreach (var branch in branches)
            {
                branch.Dispose();
            }
        }
        progress.Enter(SyncPhase.Finished);
        return [.. branches.Select(branch => branch.Outcome)];
    }

    private static void Sync(OriginSession origin, List<Branch> branches, SyncOptions options, ProgressTracker progress, KeptOriginTree? kept)
    {
        try
        {
            SyncAll(origin, branches, options, progress, kept);
        }
        finally
        {
            foreach (var branch in branches)
            {
                branch.Run.OriginPagesRead = origin.Pages.PagesRead;
            }
        }
    }

    private static void SyncAll(OriginSession origin, List<Branch> branches, SyncOptions options, ProgressTracker progress, KeptOriginTree? kept)
    {
        var source = origin.Pages;
        var file = new OriginFile(OriginStep(source, options, source.ReadPageSize), source.FileMode, kept?.Seed ?? origin.HashSeed);
        Parallel.ForEach(branches, branch => branch.Step(() => branch.Greet(file)));
        if (!branches.Any(branch => branch.IsAlive))
        {
            return;
        }
        OriginStep(source, options, () =>
        {
            origin.Pin(file.PageSize, options.WalOnly);
            return 0;
        });
        foreach (var branch in branches)
        {
            branch.Step(() => SqlRsyncOrigin.SendSnapshotInfo(new DatabaseInfo(source.PageSize, source.PageCount, source.IsWal), branch.Peer, branch.Run));
        }
        using var pages = new SharedPages(source, source.PageSize);
        // One tree per seed the replicas compare with (ours, and an archive's own: its stored hashes have it) and per shape
        // (replicas that send their levels unasked shape the tree for their own page count, usually the same).
        var trees = new Dictionary<(long Seed, uint Pages), HashTree>();
        var hashing = default(HashingFigures);
        foreach (var (seed, treePages) in branches.Where(branch => branch is { IsAlive: true, ReplicaPageCount: > 0 })
                     .Select(branch => (branch.Seed, branch.TreePages(source.PageCount))).Distinct())
        {
            HashTree Build()
            {
                // Every thread of the build reads through a connection of its own; later reads share one.
                using var readers = new ScannerGroup(pages, source.JoinMore(options.HashThreadsFor(source.PageCount) - 1));
                return OriginSession.HashTree(readers, source.PageSize, treePages, seed, progress);
            }
            trees[(seed, treePages)] = OriginStep(source, options,
                () => kept is not null && seed == kept.Seed ? kept.TreeOf(source, pages, treePages, Build) : Build());
            hashing = HashingFigures.From(progress.PhaseElapsed, progress.Bytes);
        }
        progress.Enter(SyncPhase.Sending);
        var release = new LastOneOut(branches.Count(branch => branch.IsAlive), origin.Release);
        foreach (var branch in branches.Where(branch => branch.IsAlive))
        {
            branch.LeaveSnapshot = release.Member();
        }
        int jobs = options.Jobs > 0 ? options.Jobs : Math.Max(4, Environment.ProcessorCount);
        Parallel.ForEach(branches.Where(branch => branch.IsAlive), new ParallelOptions { MaxDegreeOfParallelism = jobs }, branch =>
        {
            branch.Run.OriginHashing = hashing;
            branch.Step(() => SqlRsyncOrigin.CompareAndSend(pages, source.PageSize,
                branch.ReplicaPageCount > 0 ? trees[(branch.Seed, branch.TreePages(source.PageCount))] : null, branch.Peer, branch.Agreed,
                branch.Run, releaseSnapshot: branch.LeaveSnapshot), onFailure: branch.LeaveSnapshot);
            branch.Step(branch.Finish);
        });
        release.LeaveAll();
    }

    /// <summary>A step of the origin itself: its SQLite errors in the words a single sync uses.</summary>
    private static T OriginStep<T>(PageSource source, SyncOptions options, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (SqliteCallException e)
        {
            throw FailureText.ForDatabase("origin", source.Path, e, options.BusyTimeout);
        }
    }

    /// <summary>Runs an action once each of <c>count</c> members has left, or at <see cref="LeaveAll"/>, whichever comes first.</summary>
    private sealed class LastOneOut(int count, Action action)
    {
        private int _remaining = count;
        private int _done;

        /// <summary>One member's way out: leaving twice counts once.</summary>
        public Action Member()
        {
            int left = 0;
            return () =>
            {
                if (Interlocked.Exchange(ref left, 1) == 0 && Interlocked.Decrement(ref _remaining) == 0)
                {
                    LeaveAll();
                }
            };
        }

        public void LeaveAll()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                action();
            }
        }
    }

    /// <summary>One replica's conversation with the origin, its result or its failure.</summary>
    private sealed class Branch : IDisposable
    {
        private readonly SyncEndpoint _replica;
        private readonly SyncOptions _options;
        private readonly CancellationTokenRegistration _stopOnCancel;
        private readonly PeerCancellation _replicaCancellation;
        private PeerLink? _link;
        private bool _finished;
        private SyncException? _failure;

        /// <summary>The snapshot an archive replica added.</summary>
        private SnapshotInfo? _added;

        public Branch(SyncEndpoint replica, string database, SyncOptions options, KeptReplicaTree? kept, KeptAgent? keptAgent,
            CancellationToken cancellation)
        {
            _replica = replica;
            // Pages cross ssh compressed by default, and a pipe in this process uncompressed, as in a single sync.
            _options = options.ForLink(acrossNetwork: replica is RemoteEndpoint);
            Run = new SyncRun(new ProgressTracker(cancellation: cancellation));
            _stopOnCancel = Run.Progress.OnCancelBeforeCommit(() => _link?.Kill());
            _replicaCancellation = new PeerCancellation(Run.Progress);
            Step(() =>
            {
                _link = replica switch
                {
                    RemoteEndpoint remote when keptAgent is not null => keptAgent.Next(ReplicaRequest(remote)),
                    RemoteEndpoint remote => PeerLink.ToAgent(remote, ReplicaRequest(remote)),
                    ArchiveEndpoint archive => PeerLink.InProcess((input, output) => ArchiveSync.Replica(archive, database, input, output, _options,
                        new ProgressTracker(cancellation: _replicaCancellation.Token), snapshot => _added = snapshot)),
                    _ => PeerLink.InProcess((input, output) => SqlRsyncReplica.Run(replica.Path, input, output, _options,
                        new ProgressTracker(cancellation: _replicaCancellation.Token), kept)),
                };
                Peer = new SqlRsyncConversation(_link.FromPeer, _link.ToPeer, Role.Origin);
            });
        }

        public SyncRun Run { get; }

        private AgentRequest ReplicaRequest(RemoteEndpoint remote) => new(AgentRole.Replica, remote.Path) { BusyTimeout = _options.BusyTimeout };

        /// <summary>Says that this replica needs the origin's snapshot no more (its last page has left, or it failed).</summary>
        public Action LeaveSnapshot { get; set; } = () => { };

        public SqlRsyncConversation Peer { get; private set; } = null!;

        public OptionFlags Agreed { get; private set; }

        public uint ReplicaPageCount { get; private set; }

        public bool IsAlive => _failure is null && !_finished;

        /// <summary>How this replica ended; read once the whole fan-out is over (the origin's figures are shared).</summary>
        public SyncOutcome Outcome => _failure is not null ? new(_replica.ToString(), null, _failure)
            : _finished ? new(_replica.ToString(), Peer.ResultOf(Run) with { Snapshot = _added }, null)
            : new(_replica.ToString(), null, new SyncException(SyncFailure.Other, $"replica {_replica}: the sync did not finish"));

        /// <summary>The seed this replica's hashes have (see <see cref="SqlRsyncOrigin.SeedFor"/>).</summary>
        public long Seed { get; private set; }

        /// <summary>The page count this replica's tree and ours are shaped for (see <see cref="SqlRsyncOrigin.TreePages"/>).</summary>
        public uint TreePages(uint originPageCount) => SqlRsyncOrigin.TreePages(Peer, _replicaInfo, originPageCount);

        private DatabaseInfo _replicaInfo;

        public void Greet(OriginFile file)
        {
            (Agreed, _replicaInfo) = SqlRsyncOrigin.Greet(Peer, file, _options, Run);
            var replica = _replicaInfo;
            ReplicaPageCount = replica.PageCount;
            Seed = SqlRsyncOrigin.SeedFor(file, replica);
        }

        public void Finish()
        {
            _link!.Finish();
            _finished = true;
        }

        /// <summary>Runs one step of this conversation, unless it already ended; a failure ends it alone.</summary>
        public void Step(Action step, Action? onFailure = null)
        {
            if (!IsAlive)
            {
                onFailure?.Invoke();
                return;
            }
            try
            {
                step();
            }
            catch (Exception e) when (e is not OperationCanceledException || !Run.Progress.Cancellation.IsCancellationRequested)
            {
                onFailure?.Invoke();
                Fail(e);
            }
        }

        /// <summary>Ends this conversation with <paramref name="error"/>: the replica is told (and rolls back), and the reason kept.</summary>
        public void Fail(Exception error)
        {
            if (!IsAlive)
            {
                return;
            }
            var failure = FailureText.Normalize(error) as SyncException ?? new SyncException(SyncFailure.Other, error.Message, error);
            if (!FailureText.IsRelayed(failure) && _link is not null)
            {
                Peer.TrySendError(failure);
            }
            _failure = _link?.Explain(failure) ?? failure;
        }

        public void Dispose()
        {
            _stopOnCancel.Dispose();
            _link?.Dispose();
            _replicaCancellation.Dispose();
        }
    }
}
