using System.Diagnostics;
using SqlRsync.Engine;
using SqlRsync.Links;
using SqlRsync.Platform;

namespace SqlRsync.Topologies;

/// <summary>
/// Keeps replicas fresh until cancelled: asks the origin every poll whether it committed
/// (<see cref="OriginWatch"/>), and when it did, and the interval since the last cycle has passed, runs
/// a cycle: one snapshot of the origin synced to every replica that is behind (<see cref="FanOutSync"/>),
/// each with every guarantee a sync has. The origin's tree is kept between cycles and hashed again
/// only where the WAL shows changes (<see cref="KeptOriginTree"/>), and so is a local replica's
/// (<see cref="KeptReplicaTree"/>), and a remote one's by the agent kept to serve every cycle
/// (<see cref="KeptAgent"/>). Between cycles the origin is not read and holds no lock of ours.
/// An archive replica is due only every <see cref="WatchOptions.SnapshotEvery"/>. A replica that
/// fails is left as it was and tried again later, less often while it keeps failing; the others go on.
/// Cancelling ends the cycle under way as a cancelled sync ends (each replica at a committed state).
/// </summary>
internal static class WatchSync
{
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(1);

    public static WatchSummary Run(string originPath, IReadOnlyList<SyncEndpoint> replicas, WatchOptions options, IProgress<WatchCycle>? cycles,
        CancellationToken cancellation)
    {
        originPath = PathChecks.Origin(originPath);
        var states = replicas.Select(replica => new ReplicaState(replica)).ToList();
        try
        {
            return Run(originPath, states, options, cycles, cancellation);
        }
        finally
        {
            foreach (var state in states)
            {
                state.Kept?.Dispose();
                state.Agent?.Dispose();
            }
        }
    }

    private static WatchSummary Run(string originPath, List<ReplicaState> states, WatchOptions options, IProgress<WatchCycle>? cycles,
        CancellationToken cancellation)
    {
        var say = options.Sync.Warnings ?? (_ => { });
        var sync = options.Sync.SharingCores(states.Count(state => state.Endpoint is not RemoteEndpoint));
        var origin = new OriginWatch(originPath);
        var tree = new KeptOriginTree();
        ReplicaState StateOf(SyncEndpoint endpoint) => states.First(state => state.Endpoint == endpoint);
        origin.Poll();
        var clock = Stopwatch.StartNew();
        // Each change seen makes a new generation; a replica is behind while it holds an older one.
        long generation = 1;
        TimeSpan? pendingSince = null;
        var lastCycle = -options.Interval;
        bool originGone = false;
        int cycleCount = 0, rescans = 0, failures = 0;
        while (!cancellation.IsCancellationRequested)
        {
            var change = origin.Poll();
            if (change != OriginWatch.Change.None)
            {
                generation++;
                pendingSince ??= clock.Elapsed;
                if (change == OriginWatch.Change.Replaced)
                {
                    bool gone = !File.Exists(originPath);
                    say(gone ? $"origin {originPath} is gone; waiting for a database at that path"
                        : originGone ? $"origin {originPath} is back" : $"origin {originPath} is another file now (moved over it); following it");
                    originGone = gone;
                }
            }
            foreach (var state in states.Where(state => state.WasReplaced()))
            {
                say($"replica {state.Endpoint} was deleted or replaced; rebuilding it");
            }
            var now = clock.Elapsed;
            var due = originGone ? [] : states.Where(state => state.IsDue(generation, now, options)).ToList();
            if (due.Count == 0 || now - lastCycle < options.Interval)
            {
                cancellation.WaitHandle.WaitOne(options.PollInterval);
                continue;
            }
            lastCycle = now;
            long carried = generation;
            var carriedSince = pendingSince;
            pendingSince = null;
            var started = DateTimeOffset.UtcNow;
            IReadOnlyList<SyncOutcome> outcomes;
            try
            {
                outcomes = FanOutSync.Run(originPath, [.. due.Select(state => state.Endpoint)], sync, new ProgressTracker(cancellation: cancellation), tree,
                    endpoint => StateOf(endpoint).Kept, endpoint => StateOf(endpoint).Agent);
            }
            catch (Exception) when (cancellation.IsCancellationRequested)
            {
                break;
            }
            var ended = clock.Elapsed;
            cycleCount++;
            bool rescanned = tree.Rescans > rescans;
            rescans = tree.Rescans;
            for (int i = 0; i < due.Count; i++)
            {
                if (outcomes[i].Failure is { } failure)
                {
                    if (cancellation.IsCancellationRequested)
                    {
                        continue;
                    }
                    failures++;
                    if (due[i].Failed(ended, options.RetryAfter) is { } retry)
                    {
                        say($"replica {due[i].Endpoint}: {failure.Message}; trying again in {retry.TotalSeconds:0.#} s, and less often while it fails");
                    }
                }
                else if (due[i].Synced(carried, ended))
                {
                    say($"replica {due[i].Endpoint}: synced again");
                }
            }
            cycles?.Report(new WatchCycle(cycleCount, started, carriedSince is { } since ? ended - since : TimeSpan.Zero, ended - now, outcomes, rescanned));
        }
        return new WatchSummary(cycleCount, rescans, failures);
    }

    /// <summary>
    /// Where one replica stands: the generation it holds, its last snapshot (an archive), its failures in
    /// a row, and (a database on this machine) the file its last sync left.
    /// </summary>
    private sealed class ReplicaState(SyncEndpoint endpoint)
    {
        private FileIdentity? _file;
        private long _generation;
        private TimeSpan? _lastSync;
        private int _failuresInARow;
        private TimeSpan _retryAt;

        public SyncEndpoint Endpoint => endpoint;

        /// <summary>What one sync of a database on this machine leaves to the next (its connection, tree and digest); null for other replicas.</summary>
        public KeptReplicaTree? Kept { get; } = endpoint is not RemoteEndpoint and not ArchiveEndpoint ? new KeptReplicaTree() : null;

        /// <summary>The agent that serves a replica on another host from one cycle to the next (and keeps its tree there); null for other replicas.</summary>
        public KeptAgent? Agent { get; } = endpoint is RemoteEndpoint remote ? new KeptAgent(remote) : null;

        public bool IsDue(long generation, TimeSpan now, WatchOptions options) =>
            _generation < generation && now >= _retryAt
                && (endpoint is not ArchiveEndpoint || _lastSync is not { } last || now - last >= options.SnapshotEvery);

        /// <summary>Records a sync that carried <paramref name="generation"/>; true when it ends a run of failures.</summary>
        public bool Synced(long generation, TimeSpan now)
        {
            _file = Kept is not null ? FileIdentity.Of(endpoint.Path) : null;
            _generation = generation;
            _lastSync = now;
            _retryAt = TimeSpan.Zero;
            bool recovered = _failuresInARow > 0;
            _failuresInARow = 0;
            return recovered;
        }

        /// <summary>Whether the file the last sync left is gone or another (a local database): it is then behind whatever the origin holds.</summary>
        public bool WasReplaced()
        {
            if (_file is null || FileIdentity.Of(endpoint.Path) == _file)
            {
                return false;
            }
            _file = null;
            _generation = 0;
            return true;
        }

        /// <summary>Records a failure; the wait before the next try when it is the first in a row (to say so once), else null.</summary>
        public TimeSpan? Failed(TimeSpan now, TimeSpan retryAfter)
        {
            _failuresInARow++;
            var wait = TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, retryAfter.Ticks << Math.Min(_failuresInARow - 1, 16)));
            _retryAt = now + wait;
            return _failuresInARow == 1 ? wait : null;
        }
    }
}
