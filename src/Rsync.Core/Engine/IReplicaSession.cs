using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Engine;

/// <summary>
/// What our protocol's replica dialect asks of the replica, whichever kind it is: a database file
/// (<see cref="ReplicaSession"/>) or a snapshot archive, to which a sync adds a snapshot
/// (<see cref="ArchiveReplicaSession"/>). Opened before the origin pins its snapshot; disposing it
/// before <see cref="Commit"/> leaves the replica exactly as it was.
/// </summary>
internal interface IReplicaSession : IDisposable
{
    /// <summary>What the replica holds now, as ReplicaInfo tells the origin (with the seed its stored hashes have, if any).</summary>
    DatabaseInfo Info { get; }

    /// <summary>Its pages as they are (for block hashes); null when it has none.</summary>
    IPageScanner? Existing { get; }

    /// <summary>Whether pages sent are written: false in a dry run.</summary>
    bool Writes { get; }

    /// <summary>Told what the origin pinned, once OriginInfo has come.</summary>
    void OriginPinned(DatabaseInfo origin);

    /// <summary>
    /// Our tree, shaped for <paramref name="treePages"/> (the origin's page count, or ours when we send our levels unasked),
    /// with <paramref name="seed"/> (the origin's, or ours if <see cref="Info"/> gave one).
    /// </summary>
    HashTree HashTree(uint treePages, long seed, int threads);

    /// <summary>Writes one checked page; <paramref name="oldLeaf"/> is its unseeded hash as it was, when the caller has it.</summary>
    void WritePage(uint pageNumber, ReadOnlySpan<byte> data, UInt128? oldLeaf = null);

    /// <summary>The point of no return, then the commit of <paramref name="pageCount"/> pages.</summary>
    void Commit(uint pageCount);
}
