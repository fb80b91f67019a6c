using SqlRsync.Storage;

namespace SqlRsync;

/// <summary>
/// Where an archive keeps its objects when it is not a directory (on this machine, or on a host an
/// agent serves): object storage as sqlrsync's S3 package reaches it, or any store written against
/// <see cref="ObjectStore"/>, as outside code could write one. An archive in it
/// (<see cref="ArchiveEndpoint(ObjectStorage)"/>) is the same archive as in a directory: the same
/// objects under the same keys (docs/archive.md).
/// </summary>
public abstract class ObjectStorage
{
    /// <summary>Where it is, as messages name it (a URL such as s3://bucket/prefix); never a secret.</summary>
    public abstract string Location { get; }

    /// <summary>Opens the store: an archive is made in it when it holds no object yet.</summary>
    /// <exception cref="SyncException">It cannot be reached; the message says why in one line (credentials, a missing bucket, a permission).</exception>
    public abstract ObjectStore Open();

    /// <summary>
    /// The storage of the archive named <paramref name="name"/> within this one (a relative path of
    /// names joined by '/'): a directory of databases keeps an archive per database.
    /// </summary>
    public abstract ObjectStorage Under(string name);

    /// <summary><see cref="Location"/>.</summary>
    public override string ToString() => Location;
}
