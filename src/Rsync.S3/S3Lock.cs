using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SqlRsync.S3;

/// <summary>
/// An archive's lock in object storage, without conditional PUTs (which Swift and others lack): each
/// taker writes an object of its own, ".locks/KIND-TIME-ID" (KIND shared or exclusive, TIME its UTC
/// time, ID random), then lists ".locks/". An exclusive taker holds the lock if it sees no other live
/// lock object; a shared one if it sees no live exclusive one. Otherwise it deletes its own and tries
/// again after a random pause, until the wait is over. Two takers that see each other both step back,
/// so at most one ever proceeds against a conflicting one (S3 lists what was written before: it is
/// strongly consistent, as Swift is on one node). A holder rewrites its object every refresh period;
/// one not rewritten for the stale age belongs to a holder that died, and is ignored and removed.
/// Ages are measured against the taker's own object's time, so only the server's clock counts.
/// The objects start with '.', so no archive key or listing of the archive ever shows them.
/// </summary>
internal static class S3Lock
{
    public const string Prefix = ".locks/";
    private const string Shared = "shared";
    private const string Exclusive = "exclusive";

    /// <summary>The shortest pause between tries, and the first try's longest.</summary>
    private static readonly TimeSpan ShortestBackOff = TimeSpan.FromMilliseconds(20);

    /// <exception cref="TimeoutException">Another holder kept the lock all of <paramref name="wait"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled while waiting.</exception>
    public static IDisposable Take(S3ObjectStore store, bool exclusive, TimeSpan wait, CancellationToken cancellation)
    {
        var waited = Stopwatch.StartNew();
        var timing = store.LockTiming;
        for (int attempt = 0; ; attempt++)
        {
            var name = $"{Prefix}{(exclusive ? Exclusive : Shared)}-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}-" +
                Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            store.OwnLocks[name] = exclusive;
            store.Put(name, Body(exclusive), $"taking the lock of {store.Location}");
            bool taken;
            try
            {
                taken = !Conflicts(store, name, exclusive, timing.StaleAfter);
            }
            catch
            {
                DeleteQuietly(store, name);
                throw;
            }
            if (taken)
            {
                return new Held(store, name, exclusive, timing.Refresh);
            }
            DeleteQuietly(store, name);
            var left = wait - waited.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{store.Location} is locked by another sqlrsync");
            }
            cancellation.ThrowIfCancellationRequested();
            // Random pauses, growing to the longest: two takers that saw each other come back at different times.
            var longest = Math.Max(ShortestBackOff.TotalMilliseconds,
                Math.Min(timing.LongestBackOff.TotalMilliseconds, ShortestBackOff.TotalMilliseconds * (1L << Math.Min(attempt + 1, 16))));
            var shortest = ShortestBackOff.TotalMilliseconds;
            var pause = TimeSpan.FromMilliseconds(shortest + Random.Shared.NextDouble() * (longest - shortest));
            cancellation.WaitHandle.WaitOne(pause < left ? pause : left);
            cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Whether a live lock object other than <paramref name="mine"/> keeps this taker out; stale ones are removed on the way.</summary>
    private static bool Conflicts(S3ObjectStore store, string mine, bool exclusive, TimeSpan staleAfter)
    {
        var locks = store.ListNames(Prefix, $"reading the locks of {store.Location}").ToList();
        // The server's time of my own object is "now" on the server's clock; without it (a listing that lags), the newest one seen.
        var newest = locks.Count > 0 ? locks.Max(entry => entry.Modified) : DateTime.UtcNow;
        var now = locks.Where(entry => entry.Name == mine).Select(entry => entry.Modified).DefaultIfEmpty(newest).First();
        bool conflict = false;
        foreach (var (name, _, modified) in locks)
        {
            if (name == mine || store.OwnLocks.ContainsKey(name) || KindOf(name) is not { } otherExclusive)
            {
                continue;
            }
            if (modified < now - staleAfter)
            {
                DeleteQuietly(store, name);
                continue;
            }
            conflict |= exclusive || otherExclusive;
        }
        return conflict;
    }

    /// <summary>Whether a lock object's name says exclusive (true) or shared (false); null for a name that is no lock of ours.</summary>
    private static bool? KindOf(string name) => name.AsSpan(Prefix.Length) switch
    {
        var rest when rest.StartsWith(Exclusive + "-", StringComparison.Ordinal) => true,
        var rest when rest.StartsWith(Shared + "-", StringComparison.Ordinal) => false,
        _ => null,
    };

    /// <summary>Who holds it, for a person who finds the object: no secret, only the host and process.</summary>
    private static byte[] Body(bool exclusive) =>
        Encoding.UTF8.GetBytes($"sqlrsync {(exclusive ? Exclusive : Shared)} lock\nhost {Environment.MachineName}\nprocess {Environment.ProcessId}\n");

    private static void DeleteQuietly(S3ObjectStore store, string name)
    {
        store.OwnLocks.TryRemove(name, out _);
        try
        {
            store.DeleteName(name, $"removing a lock of {store.Location}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A lock object left behind goes stale and is removed by the next taker; the failure that matters is reported elsewhere
            // (this runs on the way out of a failure, or from Dispose, which must not throw: any failure, the client disposed too).
        }
    }

    /// <summary>A lock held: its object rewritten every refresh period by a timer, deleted on release.</summary>
    private sealed class Held : IDisposable
    {
        private readonly S3ObjectStore _store;
        private readonly string _name;
        private readonly bool _exclusive;
        private readonly Timer _refresh;
        private int _released;

        public Held(S3ObjectStore store, string name, bool exclusive, TimeSpan refresh)
        {
            _store = store;
            _name = name;
            _exclusive = exclusive;
            _refresh = new Timer(_ => Refresh(), null, refresh, refresh);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }
            // Waits for a refresh under way, so none writes the object again after it is deleted.
            using (var stopped = new ManualResetEvent(false))
            {
                if (_refresh.Dispose(stopped))
                {
                    stopped.WaitOne();
                }
            }
            DeleteQuietly(_store, _name);
            if (_exclusive)
            {
                _store.ExclusiveLockReleased();
            }
        }

        private void Refresh()
        {
            try
            {
                _store.Put(_name, Body(_exclusive), $"keeping the lock of {_store.Location}");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // On a timer's thread, where an exception would end the process: the next refresh tries again, and only after the
                // stale age of failures may another taker go ahead.
            }
        }
    }
}
