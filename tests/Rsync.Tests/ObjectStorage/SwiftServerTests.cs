using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// The S3 calls an archive in object storage needs, made with AWSSDK.S3 against the real Swift of
/// <see cref="SwiftServer"/>: buckets, whole and ranged reads, prefix listings, deletes one and many,
/// refused credentials, and the places where Swift's s3api is not AWS (a client must set
/// UseChunkEncoding = false, add Content-MD5 to DeleteObjects, and cannot make a conditional PUT).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351",
    Justification = "S3's Content-MD5 and single-part ETags are MD5 by definition; they guard against damage, not attackers.")]
public sealed class SwiftServerTests(SwiftServer swift) : IClassFixture<SwiftServer>
{
    /// <summary>A client set up as Swift needs: path-style addressing (no bucket host names on 127.0.0.1), s3api's region, and
    /// <see cref="ContentMd5Handler"/> unless <paramref name="withContentMd5"/> is false.</summary>
    private AmazonS3Client Client(string? accessKey = null, string? secretKey = null, bool withContentMd5 = true) =>
        new(new BasicAWSCredentials(accessKey ?? SwiftServer.AccessKey, secretKey ?? SwiftServer.SecretKey), new AmazonS3Config
        {
            ServiceURL = swift.Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = SwiftServer.Region,
            HttpClientFactory = withContentMd5 ? new ContentMd5ClientFactory() : null,
        });

    private static async Task<string> NewBucket(AmazonS3Client client)
    {
        var bucket = $"sqlrsync-{Guid.NewGuid():N}";
        var response = await client.PutBucketAsync(bucket);
        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
        return bucket;
    }

    /// <summary>Swift's s3api answers aws-chunked bodies (the SDK's default for PutObject and UploadPart) with 501.</summary>
    private static Task<PutObjectResponse> Put(AmazonS3Client client, string bucket, string key, byte[] data) =>
        client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(data),
            UseChunkEncoding = false,
        });

    private static async Task<byte[]> Get(AmazonS3Client client, GetObjectRequest request)
    {
        using var response = await client.GetObjectAsync(request);
        using var data = new MemoryStream();
        await response.ResponseStream.CopyToAsync(data);
        return data.ToArray();
    }

    [SkippableFact]
    public async Task PutThenGetTheWholeObjectAndARange()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var client = Client();
        var bucket = await NewBucket(client);
        var data = RandomNumberGenerator.GetBytes(300_000);

        var put = await Put(client, bucket, "pages/one", data);
        Assert.Equal(HttpStatusCode.OK, put.HttpStatusCode);
        // A single-part ETag is the body's MD5, as on AWS.
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(data))}\"", put.ETag);

        Assert.Equal(data, await Get(client, new GetObjectRequest { BucketName = bucket, Key = "pages/one" }));
        using var ranged = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "pages/one", ByteRange = new ByteRange(4096, 8191) });
        Assert.Equal(HttpStatusCode.PartialContent, ranged.HttpStatusCode);
        Assert.Equal("bytes 4096-8191/300000", ranged.ContentRange);
        using var part = new MemoryStream();
        await ranged.ResponseStream.CopyToAsync(part);
        Assert.Equal(data.AsSpan(4096, 4096).ToArray(), part.ToArray());
    }

    [SkippableFact]
    public async Task ListObjectsV2ByPrefixAndDelimiter()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var client = Client();
        var bucket = await NewBucket(client);
        foreach (var (key, size) in new[] { ("snapshots/1", 10), ("snapshots/2", 20), ("pages/a/1", 30), ("pages/b/1", 40) })
        {
            await Put(client, bucket, key, new byte[size]);
        }

        var snapshots = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "snapshots/" });
        Assert.Equal(["snapshots/1:10", "snapshots/2:20"], snapshots.S3Objects.Select(o => $"{o.Key}:{o.Size}"));
        var pages = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "pages/", Delimiter = "/" });
        Assert.Equal(["pages/a/", "pages/b/"], pages.CommonPrefixes);
        // The SDK 4.x leaves an empty list null (it was an empty list in 3.x).
        Assert.Empty(pages.S3Objects ?? []);

        // Paging: one key a page, continued by the token Swift hands back.
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, MaxKeys = 1 };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request);
            keys.AddRange(page.S3Objects.Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        Assert.Equal(["pages/a/1", "pages/b/1", "snapshots/1", "snapshots/2"], keys);
    }

    [SkippableFact]
    public async Task MultipartUploadWithoutChunkEncoding()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var client = Client();
        var bucket = await NewBucket(client);
        // Every part but the last must hold at least 5 MiB, as on AWS.
        byte[][] parts = [RandomNumberGenerator.GetBytes(5 << 20), RandomNumberGenerator.GetBytes(1000)];

        var upload = await client.InitiateMultipartUploadAsync(bucket, "pack");
        var etags = new List<PartETag>();
        for (int number = 1; number <= parts.Length; number++)
        {
            var part = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = "pack",
                UploadId = upload.UploadId,
                PartNumber = number,
                InputStream = new MemoryStream(parts[number - 1]),
                UseChunkEncoding = false,
            });
            etags.Add(new PartETag(number, part.ETag));
        }
        var done = await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = "pack",
            UploadId = upload.UploadId,
            PartETags = etags,
        });

        // A multipart ETag is the MD5 of the parts' MD5s, then "-" and the number of parts, as on AWS.
        var md5s = parts.SelectMany(MD5.HashData).ToArray();
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(md5s))}-2\"", done.ETag);
        Assert.Equal(parts.SelectMany(part => part).ToArray(), await Get(client, new GetObjectRequest { BucketName = bucket, Key = "pack" }));
        // Swift keeps the parts in a container of its own beside the bucket; S3 shows the bucket alone.
        Assert.Equal(["pack"], (await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects.Select(o => o.Key));
    }

    [SkippableFact]
    public async Task DeleteOneObjectThenMany()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var client = Client();
        var bucket = await NewBucket(client);
        foreach (var key in new[] { "a", "b", "c" })
        {
            await Put(client, bucket, key, [1, 2, 3]);
        }

        var deleted = await client.DeleteObjectAsync(bucket, "a");
        Assert.Equal(HttpStatusCode.NoContent, deleted.HttpStatusCode);
        // The SDK 4.x throws its own type for S3's NoSuchKey.
        var missing = await Assert.ThrowsAsync<NoSuchKeyException>(() => client.GetObjectAsync(bucket, "a"));
        Assert.Equal((HttpStatusCode.NotFound, "NoSuchKey"), (missing.StatusCode, missing.ErrorCode));

        // "nothing" was never there: S3 reports a missing key as deleted too.
        var many = await client.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = bucket,
            Objects = [new KeyVersion { Key = "b" }, new KeyVersion { Key = "c" }, new KeyVersion { Key = "nothing" }],
        });
        Assert.Equal(["b", "c", "nothing"], many.DeletedObjects.Select(o => o.Key).Order());
        Assert.Empty(many.DeleteErrors ?? []);
        Assert.Empty((await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []);
    }

    [SkippableFact]
    public async Task DeleteObjectsWithoutContentMd5IsRefused()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var client = Client(withContentMd5: false);
        var bucket = await NewBucket(client);
        await Put(client, bucket, "kept", [1]);

        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() =>
            client.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = [new KeyVersion { Key = "kept" }] }));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidRequest"), (refused.StatusCode, refused.ErrorCode));
        Assert.Contains("Content-MD5", refused.Message, StringComparison.Ordinal);
        Assert.Equal([1], await Get(client, new GetObjectRequest { BucketName = bucket, Key = "kept" }));
    }

    [SkippableFact]
    public async Task ChunkedPutIsNotImplemented()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var client = Client();
        var bucket = await NewBucket(client);

        // The SDK's default: an aws-chunked body with a trailing checksum.
        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() =>
            client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "chunked", InputStream = new MemoryStream(new byte[100]) }));
        Assert.Equal((HttpStatusCode.NotImplemented, "NotImplemented"), (refused.StatusCode, refused.ErrorCode));
        Assert.Empty((await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []);
    }

    [SkippableFact]
    public async Task ConditionalPutIsNotImplementedAndWritesNothing()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var client = Client();
        var bucket = await NewBucket(client);

        // AWS would store the object only if the key is free (412 otherwise); s3api refuses every conditional PUT.
        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "once",
            InputStream = new MemoryStream([1, 2, 3]),
            UseChunkEncoding = false,
            IfNoneMatch = "*",
        }));
        Assert.Equal((HttpStatusCode.NotImplemented, "NotImplemented"), (refused.StatusCode, refused.ErrorCode));
        await Assert.ThrowsAsync<NoSuchKeyException>(() => client.GetObjectAsync(bucket, "once"));
    }

    [SkippableFact]
    public async Task WrongCredentialsAreRefused()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var wrongSecret = Client(secretKey: "not-testing");
        var signature = await Assert.ThrowsAsync<AmazonS3Exception>(() => wrongSecret.ListBucketsAsync());
        Assert.Equal((HttpStatusCode.Forbidden, "SignatureDoesNotMatch"), (signature.StatusCode, signature.ErrorCode));

        // AWS would say InvalidAccessKeyId; tempauth does not tell an unknown user from a wrong key.
        using var unknownUser = Client(accessKey: "test:nobody");
        var user = await Assert.ThrowsAsync<AmazonS3Exception>(() => unknownUser.ListBucketsAsync());
        Assert.Equal((HttpStatusCode.Forbidden, "SignatureDoesNotMatch"), (user.StatusCode, user.ErrorCode));
    }

    [SkippableFact]
    public async Task RequestsCountsWhatTheClientAsked()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var client = Client();
        var bucket = await NewBucket(client);
        int puts = swift.Requests("PUT"), gets = swift.Requests("GET");

        await Put(client, bucket, "counted", [1, 2, 3]);
        await Get(client, new GetObjectRequest { BucketName = bucket, Key = "counted" });
        await Get(client, new GetObjectRequest { BucketName = bucket, Key = "counted", ByteRange = new ByteRange(0, 0) });

        // s3api turns each into several requests to Swift (its account and container look-ups); only the client's own count.
        Assert.Equal(puts + 1, swift.Requests("PUT"));
        Assert.Equal(gets + 2, swift.Requests("GET"));
        Assert.Contains(swift.ClientRequests(), request => request is { Method: "PUT", Status: 200 } && request.Path == $"/{bucket}/counted");
    }

    /// <summary>Makes the SDK's HttpClients send through <see cref="ContentMd5Handler"/>.</summary>
    private sealed class ContentMd5ClientFactory : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new ContentMd5Handler());
    }

    /// <summary>
    /// Adds Content-MD5 to DeleteObjects (POST ?delete), which Swift's s3api refuses without it, as S3 did
    /// before checksums: AWSSDK.S3 4.x sends only x-amz-checksum-crc32. The header is not signed, so adding
    /// it after the SDK signed the request is allowed.
    /// </summary>
    private sealed class ContentMd5Handler() : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.Content is { Headers.ContentMD5: null } content
                && request.RequestUri?.Query.Split('?', '&').Contains("delete") == true)
            {
                // Reading buffers the body, so the same bytes are then sent.
                content.Headers.ContentMD5 = MD5.HashData(await content.ReadAsByteArrayAsync(cancellationToken));
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
