using SqlRsync.Protocol;
using SqlRsync.Protocol.Sqlite3Rsync;

namespace SqlRsync.Dialects.Sqlite3Rsync;

/// <summary>
/// The replica's rounds of hashes in sqlite3_rsync's protocol, message for message as sqlite3_rsync
/// sends them, so both tools exchange the same bytes. Round one: with protocol 1, or at most 100 pages,
/// one hash per page; else page 1 alone and the rest in ranges. Each later round: the ranges the
/// origin asked about in DETAIL messages, cut smaller (1,000 pages, 30, then 1). A CONFIG message
/// precedes a hash whose range is not the one the origin expects next.
/// </summary>
internal sealed class HashRounds(OwnPages pages, byte protocol, Sqlite3RsyncWriter writer)
{
    private const uint PagesHashedOneByOne = 100;

    /// <summary>The ranges of more than one page sent in the last round: the only ones a DETAIL may name.</summary>
    private readonly Dictionary<uint, uint> _rangesSent = [];
    private readonly List<(uint First, uint Count)> _requested = [];

    public void SendFirst()
    {
        var plan = new List<(uint, uint)>();
        if (pages.PageCount == 0)
        {
            // sqlite3_rsync's replica opens its write transaction before it counts pages, and SQLite
            // then holds a fresh page 1 for an empty database: it sends that page's hash, and its origin
            // fails on a round without hashes. Ours hashes as one empty page, which no origin page matches.
            plan.Add((1, 1));
        }
        else if (protocol < 2 || pages.PageCount <= PagesHashedOneByOne)
        {
            for (uint page = 1; page <= pages.PageCount; page++)
            {
                plan.Add((page, 1));
            }
        }
        else
        {
            plan.Add((1, 1));
            Subdivide(2, pages.PageCount - 1, plan);
        }
        Send(plan, 1, 1);
    }

    /// <summary>The origin's request for smaller hashes of a range we sent.</summary>
    public void Detail(uint first, uint count)
    {
        if (!_rangesSent.Remove(first, out uint sent) || sent != count)
        {
            throw new ProtocolException($"the origin asks about pages {first}+{count}, a range we did not send a hash for");
        }
        Subdivide(first, count, _requested);
    }

    /// <summary>The origin's READY after its DETAIL messages.</summary>
    public void SendNext()
    {
        if (_requested.Count == 0)
        {
            throw new ProtocolException("the origin sent ORIGIN_READY without asking about any range");
        }
        _requested.Sort();
        Send(_requested, 0, 0);
        _requested.Clear();
    }

    /// <summary>Hashes sent so far, in all rounds.</summary>
    public long HashesSent { get; private set; }

    /// <summary>Rounds sent so far.</summary>
    public int Rounds { get; private set; }

    private void Send(List<(uint First, uint Count)> plan, uint expectedFirst, uint expectedCount)
    {
        Rounds++;
        HashesSent += plan.Count;
        _rangesSent.Clear();
        Span<byte> hash = stackalloc byte[Sqlite3RsyncHash.Length];
        foreach (var (first, count) in plan)
        {
            if (first != expectedFirst || count != expectedCount)
            {
                writer.Write(Sqlite3RsyncMessage.ReplicaConfig);
                writer.WriteUInt32(first);
                writer.WriteUInt32(count);
            }
            pages.HashOf(first, count, hash);
            writer.Write(Sqlite3RsyncMessage.ReplicaHash);
            writer.Write(hash);
            if (count > 1)
            {
                _rangesSent[first] = count;
            }
            expectedFirst = first + count;
            expectedCount = count;
        }
        writer.Write(Sqlite3RsyncMessage.ReplicaReady);
        writer.Flush();
    }

    /// <summary>Cuts <paramref name="count"/> pages from <paramref name="first"/> into ranges of 1, 30 or 1,000 pages, as sqlite3_rsync does.</summary>
    private static void Subdivide(uint first, uint count, List<(uint, uint)> into)
    {
        uint chunk = count <= 30 ? 1u : count <= 1000 ? 30u : 1000u;
        ulong end = (ulong)first + count;
        for (ulong start = first; start < end; start += chunk)
        {
            into.Add(((uint)start, (uint)Math.Min(end - start, chunk)));
        }
    }
}
