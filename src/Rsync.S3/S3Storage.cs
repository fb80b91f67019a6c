using Amazon.Runtime;
using SqlRsync.Storage;

namespace SqlRsync.S3;

/// <summary>
/// Snapshot archives in S3-compatible object storage (AWS S3, R2, B2, MinIO, Ceph, OpenStack Swift):
/// the objects of an archive under a prefix of one bucket, the same objects under the same keys as in
/// a directory (docs/archive.md). Use it as <c>new ArchiveEndpoint(S3Storage.Parse("s3://bucket/prefix"))</c>.
/// Credentials come from AWSSDK's default chain, as AWS tools take them: AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws/credentials, and the rest of the chain.
/// </summary>
public sealed class S3Storage : ObjectStorage
{
    /// <summary>The archive under <paramref name="prefix"/> ("" for the whole bucket, else names joined by '/') of <paramref name="bucket"/>.</summary>
    /// <exception cref="ArgumentException">The bucket or the prefix is not valid; the message says why in one line.</exception>
    public S3Storage(string bucket, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(prefix);
        Bucket = S3Names.CheckBucket(bucket);
        Prefix = S3Names.CheckPrefix(prefix);
    }

    /// <summary>The storage an s3://BUCKET/PREFIX URL names (the prefix may be left out, or end in '/').</summary>
    /// <exception cref="ArgumentException">It is no such URL; the message says what is wrong in one line, and never repeats a credential.</exception>
    public static S3Storage Parse(string url) => S3Names.ParseUrl(url ?? throw new ArgumentNullException(nameof(url)));

    /// <summary>Whether <paramref name="text"/> is meant as an S3 URL (starts with s3://), valid or not.</summary>
    public static bool IsUrl(string text) => text is not null && text.StartsWith(S3Names.Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>The bucket.</summary>
    public string Bucket { get; }

    /// <summary>The prefix of every key of the archive: "" or names joined by '/', ending in '/'.</summary>
    public string Prefix { get; }

    /// <summary>
    /// The server's URL (http://127.0.0.1:9000, https://ACCOUNT.r2.cloudflarestorage.com), for a server
    /// that is not AWS; null to take AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, or else AWS's own for the
    /// region. With an endpoint, buckets are addressed by path (http://host/bucket/key), which every
    /// S3-compatible server understands.
    /// </summary>
    public string? EndpointUrl { get; init; }

    /// <summary>The region requests are signed for; null to take AWS_REGION or AWS_DEFAULT_REGION, or else us-east-1.</summary>
    public string? Region { get; init; }

    /// <summary>The credentials to sign with; null for AWSSDK's default chain (the environment, the profile, ...).</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>How long one request may take, connecting included, before it fails (and is retried a few times).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Where this machine keeps what spares requests on the next add (the newest snapshot's name and page map,
    /// under a folder per archive id); null for nowhere. By default $XDG_CACHE_HOME/sqlrsync, else ~/.cache/sqlrsync.
    /// </summary>
    public string? CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>How the lock of an archive is kept alive and when a holder that stopped keeping it is ignored (tests make it short).</summary>
    internal S3LockTiming LockTiming { get; init; } = S3LockTiming.Default;

    /// <summary>Where the client gets its HttpClients; null for AWSSDK's own (tests put a handler between the client and the server).</summary>
    internal HttpClientFactory? HttpClients { get; init; }

    /// <summary>s3://BUCKET/PREFIX: names only, never an endpoint's credentials or a key.</summary>
    public override string Location => $"{S3Names.Scheme}{Bucket}/{Prefix}";

    /// <summary>Opens the archive's store: a client for the endpoint; nothing is asked of the server until the archive reads.</summary>
    /// <exception cref="SyncException">No credentials or endpoint can be made of what is given (one line saying what to set).</exception>
    public override ObjectStore Open() => new S3ObjectStore(S3Connection.Connect(this), Prefix, Location, LockTiming, CacheDirectory);

    /// <summary>The archive named <paramref name="name"/> (names joined by '/') under this one: the prefix PREFIX/NAME/.</summary>
    public override ObjectStorage Under(string name) =>
        new S3Storage(Bucket, Prefix + S3Names.CheckPrefix(name ?? throw new ArgumentNullException(nameof(name))))
        {
            EndpointUrl = EndpointUrl,
            Region = Region,
            Credentials = Credentials,
            RequestTimeout = RequestTimeout,
            LockTiming = LockTiming,
            HttpClients = HttpClients,
            CacheDirectory = CacheDirectory,
        };

    private static string? DefaultCacheDirectory()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache && Path.IsPathRooted(cache) ? cache
            : Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? Path.Combine(home, ".cache") : null;
        return root is null ? null : Path.Combine(root, "sqlrsync");
    }
}
