using Amazon.Runtime;
using Amazon.S3;
using SqlRsync.S3;
using SqlRsync.Tests.Support;

// Not SqlRsync.Tests.ObjectStorage: a namespace of that name would hide the type SqlRsync.ObjectStorage from every test.
namespace SqlRsync.Tests.ObjectStores;

/// <summary>New buckets on a <see cref="SwiftServer"/>, and <see cref="S3Storage"/> set up to reach them as a user would.</summary>
internal static class SwiftBuckets
{
    /// <summary>A new, empty bucket of its own for one test, so that tests sharing a server see nothing of each other's.</summary>
    public static string New(SwiftServer swift)
    {
        var bucket = $"sqlrsync-{Guid.NewGuid():N}";
        using var client = Client(swift);
        client.PutBucketAsync(bucket).GetAwaiter().GetResult();
        return bucket;
    }

    /// <summary>A plain AWSSDK client of the bucket's owner, knowing nothing of archives.</summary>
    public static AmazonS3Client Client(SwiftServer swift) =>
        new(new BasicAWSCredentials(SwiftServer.AccessKey, SwiftServer.SecretKey), new AmazonS3Config
        {
            ServiceURL = swift.Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = SwiftServer.Region,
        });

    /// <summary>
    /// The archive storage s3://BUCKET/PREFIX on <paramref name="swift"/>, signed with <paramref name="secretKey"/>, reached at
    /// <paramref name="endpoint"/> when given (a proxy in front of it), keeping its cache in <paramref name="cacheDirectory"/>
    /// (by default a directory of this test process, not the user's).
    /// </summary>
    public static S3Storage Storage(SwiftServer swift, string bucket, string prefix = "", string secretKey = SwiftServer.SecretKey,
        S3LockTiming? lockTiming = null, string accessKey = SwiftServer.AccessKey, string? endpoint = null, TimeSpan? requestTimeout = null,
        string? cacheDirectory = null) =>
        new(bucket, prefix)
        {
            EndpointUrl = endpoint ?? swift.Endpoint,
            Region = SwiftServer.Region,
            Credentials = new BasicAWSCredentials(accessKey, secretKey),
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30),
            LockTiming = lockTiming ?? S3LockTiming.Default,
            CacheDirectory = cacheDirectory ?? ProcessCache.Value.Path,
        };

    /// <summary>One cache directory for the tests of this process that do not choose their own, removed when the process ends.</summary>
    private static readonly Lazy<TempDirectory> ProcessCache = new(() =>
    {
        var directory = new TempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Dispose();
        return directory;
    });
}
