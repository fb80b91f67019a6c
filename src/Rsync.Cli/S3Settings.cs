using SqlRsync.S3;

namespace SqlRsync.Cli;

/// <summary>
/// How the command line reaches an archive in object storage: --s3-endpoint, else what the
/// environment says (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION, the credentials), read by
/// <see cref="S3Storage"/> itself. No credential is ever an option: `ps` would show it.
/// </summary>
internal sealed record S3Settings(string? EndpointUrl)
{
    /// <summary>The storage an s3://BUCKET/PREFIX endpoint names.</summary>
    public S3Storage StorageFor(Endpoint endpoint)
    {
        var named = S3Storage.Parse(endpoint.Path);
        return new S3Storage(named.Bucket, named.Prefix) { EndpointUrl = EndpointUrl };
    }
}
