namespace SqlRsync;

/// <summary>What a verification of an archive read and found.</summary>
/// <param name="Snapshots">Snapshots checked.</param>
/// <param name="Packs">Pack objects read whole and checked.</param>
/// <param name="Blobs">Blobs (pages and map parts) opened and checked against their ids.</param>
/// <param name="BytesRead">Bytes read from the archive.</param>
/// <param name="Problems">One line per problem found, naming the object and the snapshots it harms; empty when the archive is intact.</param>
public sealed record VerifyResult(int Snapshots, int Packs, long Blobs, long BytesRead, IReadOnlyList<string> Problems)
{
    /// <summary>No problem was found.</summary>
    public bool IsIntact => Problems.Count == 0;
}
