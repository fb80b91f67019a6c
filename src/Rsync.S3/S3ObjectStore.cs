using System.Collections.Concurrent;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using SqlRsync.Storage;

namespace SqlRsync.S3;

/// <summary>
/// An archive's objects under a prefix of a bucket. S3 has no create-if-absent that every provider
/// honours (Swift answers a conditional PUT with 501), so <see cref="Create"/> asks (HEAD) and then
/// writes (PUT): an archive's objects are content-addressed or uniquely named, so two writers racing
/// for one key write the same bytes. The fixed names (config, dictionary) are the exception, so they
/// are made under the exclusive lock (<see cref="S3Lock"/>). Every request is synchronous to the
/// caller, bounded by the connection's timeouts and retries, and fails as <see cref="S3Failures"/> says.
/// </summary>
internal sealed class S3ObjectStore : ObjectStore
{
    /// <summary>How long making a fixed-name object waits for the lock: another writer making the archive holds it for two requests.</summary>
    private static readonly TimeSpan FixedNameWait = TimeSpan.FromSeconds(30);

    /// <summary>More pages of 1,000 keys than any archive has objects (100 million): a server whose token never ends is stopped.</summary>
    private const int MostListPages = 100_000;

    private readonly S3Connection _connection;
    private readonly string _prefix;
    private int _exclusiveLocksHeld;

    public S3ObjectStore(S3Connection connection, string prefix, string location, S3LockTiming lockTiming, string? cacheDirectory)
    {
        _connection = connection;
        _prefix = prefix;
        Location = location;
        LockTiming = lockTiming;
        CacheDirectory = cacheDirectory;
    }

    public override string Location { get; }

    /// <summary>Each lock costs three requests: adds go without one, and a prune leaves what they may need for the grace.</summary>
    public override TimeSpan PruneGrace => LockTiming.PruneGrace;

    public override string? CacheDirectory { get; }

    public S3LockTiming LockTiming { get; }

    /// <summary>How many keys one listing request asks for: S3's most, 1,000; tests make it small to see pages followed.</summary>
    public int ListPageSize { get; set; } = 1000;

    public override byte[]? Read(string key)
    {
        var what = $"reading {key} of {Location}";
        GetObjectResponse response;
        try
        {
            response = Send(cancel => _connection.Client.GetObjectAsync(new GetObjectRequest { BucketName = _connection.Bucket, Key = Full(key) },
                cancel), what);
        }
        // Any 404 but a missing bucket's (a SyncException already): its error body may not have come whole (a connection broken
        // in the middle of it), and then the SDK knows the status but not the code NoSuchKey.
        catch (IOException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound })
        {
            return null;
        }
        using (response)
        {
            var data = new byte[response.ContentLength];
            ReadBody(response, data, what);
            return data;
        }
    }

    public override byte[] ReadRange(string key, long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var data = new byte[length];
        ReadRange(key, offset, data);
        return data;
    }

    public override void ReadRange(string key, long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var what = $"reading {key} of {Location}";
        long end = offset + destination.Length;
        if (destination.Length == 0)
        {
            // An empty range is no HTTP range; the object must still exist and reach the offset.
            long size = SizeOf(key, what) ?? throw new IOException($"{what}: no such object");
            if (size < offset)
            {
                throw new IOException($"{key} ends after {size} bytes, before the {offset} asked for");
            }
            return;
        }
        using var response = Send(cancel => _connection.Client.GetObjectAsync(new GetObjectRequest
        {
            BucketName = _connection.Bucket,
            Key = Full(key),
            ByteRange = new ByteRange(offset, end - 1),
        }, cancel), what);
        // A range that runs past the end is answered with what there is; a short object is an error here, as for a file.
        if (response.ContentLength != destination.Length)
        {
            throw new IOException($"{key} ends after {offset + response.ContentLength} bytes, before the {end} asked for");
        }
        ReadBody(response, destination, what);
    }

    public override bool Create(string key, ReadOnlySpan<byte> data)
    {
        var full = Full(key);
        if (key.Contains('/', StringComparison.Ordinal) || Volatile.Read(ref _exclusiveLocksHeld) > 0)
        {
            return CreateIfAbsent(key, full, data);
        }
        // A fixed name (config, dictionary) is neither content-addressed nor unique: two writers making it at once would each
        // think theirs is the one. Under the lock, the second sees the first's and is told so, as link(2) tells a directory's.
        var copy = data.ToArray();
        using (Lock(exclusive: true, FixedNameWait, CancellationToken.None))
        {
            return CreateIfAbsent(key, full, copy);
        }
    }

    /// <summary>A PUT alone: the key's random digits are this writer's, so no HEAD asks whether another has it.</summary>
    public override void CreateUnique(string key, ReadOnlySpan<byte> data) => Put(Full(key)[_prefix.Length..], data, $"writing {key} to {Location}");

    public override IReadOnlyList<StoredObject> List(string prefix)
    {
        S3Names.CheckListPrefix(prefix);
        var found = new List<StoredObject>();
        foreach (var (key, size, _) in ListUnder(_prefix + prefix, $"listing {prefix} of {Location}"))
        {
            var relative = key[_prefix.Length..];
            // Keys no archive object has (a folder marker "x/", a lock, another tool's file) are not the archive's.
            if (S3Names.IsValidKey(relative))
            {
                found.Add(new StoredObject(relative, size));
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return found;
    }

    /// <summary>One DeleteObject per key: some providers answer DeleteObjects (many at once) with 200 and delete nothing.</summary>
    public override void Delete(string key)
    {
        var full = Full(key);
        Send(cancel => _connection.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _connection.Bucket, Key = full }, cancel),
            $"deleting {key} of {Location}");
    }

    public override IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation)
    {
        var held = S3Lock.Take(this, exclusive, wait, cancellation);
        if (exclusive)
        {
            Interlocked.Increment(ref _exclusiveLocksHeld);
        }
        return held;
    }

    /// <summary>An exclusive lock <see cref="S3Lock"/> gave back was released.</summary>
    public void ExclusiveLockReleased() => Interlocked.Decrement(ref _exclusiveLocksHeld);

    /// <summary>
    /// The lock objects this store wrote and has not deleted: a shared lock it holds (an add that ran long) does not keep it
    /// from the exclusive one it needs to make a fixed-name object; every other holder's does.
    /// </summary>
    public ConcurrentDictionary<string, bool> OwnLocks { get; } = new(StringComparer.Ordinal);

    public override void Dispose()
    {
        _connection.Dispose();
        base.Dispose();
    }

    /// <summary>Writes the object <paramref name="name"/> (relative to the prefix; not an archive key, so not checked as one), replacing any.</summary>
    public void Put(string name, ReadOnlySpan<byte> data, string what)
    {
        var request = new PutObjectRequest
        {
            BucketName = _connection.Bucket,
            Key = _prefix + name,
            InputStream = new MemoryStream(data.ToArray(), writable: false),
            // aws-chunked bodies (the SDK's default) are refused by Swift and others; a plain body with its length is taken by all.
            UseChunkEncoding = false,
        };
        Send(cancel => _connection.Client.PutObjectAsync(request, cancel), what);
    }

    /// <summary>Deletes the object <paramref name="name"/> (relative to the prefix, not checked as an archive key).</summary>
    public void DeleteName(string name, string what) =>
        Send(cancel => _connection.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _connection.Bucket, Key = _prefix + name }, cancel),
            what);

    /// <summary>
    /// The objects whose names (relative to the prefix) start with <paramref name="start"/>, with their sizes and times, as the
    /// server keeps them.
    /// </summary>
    public IEnumerable<(string Name, long Size, DateTime Modified)> ListNames(string start, string what) =>
        ListUnder(_prefix + start, what).Select(entry => (entry.Key[_prefix.Length..], entry.Size, entry.Modified));

    private bool CreateIfAbsent(string key, string full, ReadOnlySpan<byte> data)
    {
        if (SizeOf(key, $"looking for {key} in {Location}") is not null)
        {
            return false;
        }
        Put(full[_prefix.Length..], data, $"writing {key} to {Location}");
        return true;
    }

    /// <summary>The object's size, or null when there is none (HEAD: a missing bucket looks the same, and the write after it says which).</summary>
    private long? SizeOf(string key, string what)
    {
        try
        {
            return Send(cancel => _connection.Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _connection.Bucket, Key = Full(key) },
                cancel), what).ContentLength;
        }
        catch (IOException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound })
        {
            return null;
        }
    }

    private IEnumerable<(string Key, long Size, DateTime Modified)> ListUnder(string prefix, string what)
    {
        var request = new ListObjectsV2Request { BucketName = _connection.Bucket, Prefix = prefix, MaxKeys = ListPageSize };
        for (int page = 0; page < MostListPages; page++)
        {
            var response = Send(cancel => _connection.Client.ListObjectsV2Async(request, cancel), what);
            // AWSSDK 4 leaves an empty page's list null.
            foreach (var stored in response.S3Objects ?? [])
            {
                yield return (stored.Key, stored.Size ?? 0, stored.LastModified ?? DateTime.MinValue);
            }
            if (response.IsTruncated != true)
            {
                yield break;
            }
            if (string.IsNullOrEmpty(response.NextContinuationToken) || response.NextContinuationToken == request.ContinuationToken)
            {
                throw new IOException($"{what}: the server said the listing goes on but gave no new place to go on from");
            }
            request.ContinuationToken = response.NextContinuationToken;
        }
        throw new IOException($"{what}: more than {MostListPages} pages of keys");
    }

    private string Full(string key) => _prefix + S3Names.CheckKey(key);

    /// <summary>Runs a request to its end on this thread (the store's operations are synchronous), its failure explained.</summary>
    private T Send<T>(Func<CancellationToken, Task<T>> request, string what)
    {
        try
        {
            return request(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e) when (S3Failures.Explain(e, what, _connection) is var explained && !ReferenceEquals(explained, e))
        {
            throw explained;
        }
    }

    /// <summary>Reads the whole body: a connection that breaks in the middle is the server's failure, not a damaged object.</summary>
    private void ReadBody(GetObjectResponse response, Span<byte> into, string what)
    {
        try
        {
            response.ResponseStream.ReadExactly(into);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new SyncException(SyncFailure.Transport, $"the connection to {_connection.Server} broke {what}: {e.Message} (try again)", e);
        }
    }
}
