using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace SqlRsync.S3;

/// <summary>
/// An AmazonS3Client for one bucket, set up from an <see cref="S3Storage"/> and the environment the way
/// AWS tools read it, with every request bounded: a connect and a request timeout, and a few retries.
/// </summary>
internal sealed class S3Connection : IDisposable
{
    private const string DefaultRegion = "us-east-1";

    /// <summary>Retries after the first try, for throttling, 5xx answers and broken connections; never more.</summary>
    private const int MostRetries = 3;

    private S3Connection(AmazonS3Client client, string bucket, string server)
    {
        Client = client;
        Bucket = bucket;
        Server = server;
    }

    public AmazonS3Client Client { get; }

    public string Bucket { get; }

    /// <summary>Where requests go, for messages: the endpoint URL, or AWS and its region.</summary>
    public string Server { get; }

    /// <exception cref="SyncException">The endpoint URL or the region is not valid.</exception>
    public static S3Connection Connect(S3Storage storage)
    {
        var endpoint = storage.EndpointUrl ?? Environment("AWS_ENDPOINT_URL_S3") ?? Environment("AWS_ENDPOINT_URL");
        var region = storage.Region ?? Environment("AWS_REGION") ?? Environment("AWS_DEFAULT_REGION") ?? DefaultRegion;
        var config = new AmazonS3Config
        {
            Timeout = storage.RequestTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(10, storage.RequestTimeout.TotalSeconds)),
            MaxErrorRetry = MostRetries,
            RetryMode = RequestRetryMode.Standard,
            HttpClientFactory = storage.HttpClients,
        };
        string server;
        if (endpoint is not null)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0)
            {
                // The URL is not repeated: it might hold a user and password.
                throw new SyncException(SyncFailure.Incompatible, "the S3 endpoint is not an http:// or https:// URL without a user " +
                    "(check --s3-endpoint, AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL)");
            }
            server = url.GetLeftPart(UriPartial.Path).TrimEnd('/');
            config.ServiceURL = server;
            // A server that is not AWS has no bucket host names (127.0.0.1, a NAS): buckets go in the path, which all of them take.
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
            // AWSSDK 4 adds CRC checksums to every upload and checks them on downloads by default; servers that are not AWS
            // (Swift before 2.34, older MinIO and Ceph) reject or garble those headers. Every archive object carries its own
            // checksum or tag, checked on every read, so asking only where S3 requires it loses nothing.
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            server = $"AWS S3 ({region})";
        }
        var client = storage.Credentials is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
        return new S3Connection(client, storage.Bucket, server);
    }

    public void Dispose() => Client.Dispose();

    private static string? Environment(string name) => System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
