using Amazon.S3.Model;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>Every object under a prefix of a bucket, listed and read with a plain S3 client, as the bucket's owner (or any tool) sees them.</summary>
internal static class BucketObjects
{
    /// <summary>More listing pages than any test's bucket fills (1,000 keys a page): a server that never ends a listing fails the test.</summary>
    private const int MaxListingPages = 100;

    /// <summary>Each object's key (without <paramref name="prefix"/>) and bytes.</summary>
    public static Dictionary<string, byte[]> Read(SwiftServer swift, string bucket, string prefix)
    {
        using var client = SwiftBuckets.Client(swift);
        var objects = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in Keys(swift, bucket, prefix))
        {
            using var response = client.GetObjectAsync(bucket, prefix + key).GetAwaiter().GetResult();
            using var bytes = new MemoryStream();
            response.ResponseStream.CopyTo(bytes);
            objects.Add(key, bytes.ToArray());
        }
        return objects;
    }

    /// <summary>The keys under <paramref name="prefix"/>, without it, in the server's order.</summary>
    public static List<string> Keys(SwiftServer swift, string bucket, string prefix)
    {
        using var client = SwiftBuckets.Client(swift);
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        for (int page = 0; page < MaxListingPages; page++)
        {
            var listed = client.ListObjectsV2Async(request).GetAwaiter().GetResult();
            keys.AddRange((listed.S3Objects ?? []).Select(stored => stored.Key[prefix.Length..]));
            if (listed.IsTruncated != true)
            {
                return keys;
            }
            request.ContinuationToken = listed.NextContinuationToken;
        }
        throw new InvalidOperationException($"listing {bucket}/{prefix} did not end within {MaxListingPages} pages");
    }
}
