using System.Net;
using System.Net.Sockets;
using SqlRsync.S3;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// What a user sees when object storage cannot be used: one line saying what is wrong and what to do,
/// the right <see cref="SyncFailure"/>, never the secret, and no archive left half made. Against a real
/// Swift, and a port on 127.0.0.1 where nothing listens.
/// </summary>
public sealed class S3FailureTests(SwiftServer swift) : IClassFixture<SwiftServer>
{
    private const string WrongSecret = "not-the-secret-3f9a1c";

    [SkippableFact]
    public async Task AWrongSecretIsOneLineWithoutTheSecret()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var bucket = SwiftBuckets.New(swift);
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "app", secretKey: WrongSecret));

        var adding = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive));
        var listing = await Assert.ThrowsAsync<SyncException>(() => SnapshotArchives.ListAsync(archive));

        foreach (var failure in new[] { adding, listing })
        {
            Assert.Equal(SyncFailure.Access, failure.Reason);
            AssertOneLineWithoutSecrets(failure.Message);
            Assert.Contains("refused the credentials", failure.Message, StringComparison.Ordinal);
            Assert.Contains("AWS_SECRET_ACCESS_KEY", failure.Message, StringComparison.Ordinal);
        }
        using var store = SwiftBuckets.Storage(swift, bucket).Open();
        Assert.Empty(store.List(""));
    }

    [SkippableFact]
    public async Task AMissingBucketIsOneLineNamingIt()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, "no-such-bucket-here", "app"));

        var adding = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive));
        var restoring = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(archive, SyncEndpoint.Local(dir.File("restored.db"))));

        foreach (var failure in new[] { adding, restoring })
        {
            Assert.Equal(SyncFailure.NotFound, failure.Reason);
            AssertOneLineWithoutSecrets(failure.Message);
            Assert.Contains("bucket no-such-bucket-here does not exist", failure.Message, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(dir.File("restored.db")));
    }

    [SkippableFact]
    public async Task ABucketTheCredentialsMayNotUseIsOneLineSayingWhatToGrant()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var bucket = SwiftBuckets.New(swift);
        var archive = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "app", SwiftServer.OutsiderSecretKey,
            accessKey: SwiftServer.OutsiderAccessKey));

        var adding = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive));

        Assert.Equal(SyncFailure.Access, adding.Reason);
        AssertOneLineWithoutSecrets(adding.Message);
        Assert.DoesNotContain(SwiftServer.OutsiderSecretKey, adding.Message, StringComparison.Ordinal);
        Assert.Contains("denied access", adding.Message, StringComparison.Ordinal);
        Assert.Contains($"bucket {bucket}", adding.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A clock an hour off: every request is dated an hour back on its way (after signing, as a wrong clock would date it), and the
    /// server refuses it as too skewed, whatever correction the SDK tries.
    /// </summary>
    [SkippableFact]
    public async Task AClockOffByAnHourIsOneLineSayingToSetIt()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var storage = SwiftBuckets.Storage(swift, SwiftBuckets.New(swift), "app");
        var skewed = new S3Storage(storage.Bucket, storage.Prefix)
        {
            EndpointUrl = storage.EndpointUrl,
            Region = storage.Region,
            Credentials = storage.Credentials,
            HttpClients = new ClockSkewClients(TimeSpan.FromHours(-1)),
        };

        var adding = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), new ArchiveEndpoint(skewed)));

        Assert.Equal(SyncFailure.Transport, adding.Reason);
        AssertOneLineWithoutSecrets(adding.Message);
        Assert.Contains("clock", adding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEndpointWhereNothingListensIsOneLineSayingSo()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var storage = new S3Storage("bucket", "app")
        {
            EndpointUrl = $"http://127.0.0.1:{port}",
            Region = "us-east-1",
            Credentials = new Amazon.Runtime.BasicAWSCredentials("key", WrongSecret),
            RequestTimeout = TimeSpan.FromSeconds(5),
        };

        var failure = await Assert.ThrowsAsync<SyncException>(() => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), new ArchiveEndpoint(storage)));

        Assert.Equal(SyncFailure.Transport, failure.Reason);
        AssertOneLineWithoutSecrets(failure.Message);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://", "names no bucket")]
    [InlineData("s3:///prefix", "names no bucket")]
    [InlineData("s3://Bad_Bucket/x", "not a valid S3 bucket name")]
    [InlineData("s3://bucket/a//b", "not a valid S3 prefix")]
    [InlineData("s3://bucket/../up", "not a valid S3 prefix")]
    [InlineData("s3://bucket/x?versionId=1", "write s3://BUCKET/PREFIX")]
    [InlineData("http://bucket/x", "not an S3 URL")]
    [InlineData("s3://AKIDEXAMPLE:" + WrongSecret + "@bucket/x", "carries no credentials")]
    public void AMalformedUrlIsOneLineAndNeverRepeatsACredential(string url, string expected)
    {
        var refused = Assert.Throws<ArgumentException>(() => S3Storage.Parse(url));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        AssertOneLineWithoutSecrets(refused.Message);
    }

    [Fact]
    public void AUrlGivesTheBucketAndAPrefixEndingInASlash()
    {
        var storage = S3Storage.Parse("s3://my-bucket/backups/app");

        Assert.Equal(("my-bucket", "backups/app/", "s3://my-bucket/backups/app/"), (storage.Bucket, storage.Prefix, storage.Location));
        Assert.Equal("s3://my-bucket/", S3Storage.Parse("s3://my-bucket").Location);
        Assert.Equal("s3://my-bucket/backups/app/tenants/a.db/", storage.Under("tenants/a.db").Location);
    }

    /// <summary>HttpClients whose requests carry an X-Amz-Date moved by <paramref name="skew"/>.</summary>
    private sealed class ClockSkewClients(TimeSpan skew) : Amazon.Runtime.HttpClientFactory
    {
        public override HttpClient CreateHttpClient(Amazon.Runtime.IClientConfig clientConfig) => new(new Skewing(skew));

        private sealed class Skewing(TimeSpan skew) : DelegatingHandler(new SocketsHttpHandler())
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Headers.TryGetValues("X-Amz-Date", out var dates) && DateTime.TryParseExact(dates.First(), "yyyyMMdd'T'HHmmss'Z'",
                    System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal, out var date))
                {
                    request.Headers.Remove("X-Amz-Date");
                    request.Headers.Add("X-Amz-Date", (date + skew).ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
                }
                return base.SendAsync(request, cancellationToken);
            }
        }
    }

    private static void AssertOneLineWithoutSecrets(string message)
    {
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain(WrongSecret, message, StringComparison.Ordinal);
        Assert.DoesNotContain(SwiftServer.SecretKey, message, StringComparison.Ordinal);
    }
}
