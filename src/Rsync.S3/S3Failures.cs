using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace SqlRsync.S3;

/// <summary>
/// What a failed S3 request means to a user, in one line that says what to do: a
/// <see cref="SyncException"/> for what no retry mends (credentials, a missing bucket, permissions, an
/// unreachable server, a clock off by minutes, a server that keeps failing), so that it is never
/// mistaken for a damaged archive; an <see cref="IOException"/> for what is wrong with one object.
/// Server messages are left out where they could echo a request's signature or headers.
/// </summary>
internal static class S3Failures
{
    /// <summary>The exception to throw for <paramref name="failure"/>, which <paramref name="what"/> ("reading KEY of s3://...") ran into.</summary>
    public static Exception Explain(Exception failure, string what, S3Connection connection) => failure switch
    {
        SyncException or OperationCanceledException => failure,
        // Out of a request, an IOException is the connection breaking under it (reset in the middle of an upload), after the SDK's
        // retries: the server's failure, never a damaged object or a full disk.
        IOException => new SyncException(SyncFailure.Transport, $"the connection to {connection.Server} broke {what}: {failure.Message} " +
            "(try again)", failure),
        AmazonS3Exception s3 => Explain(s3, what, connection),
        // Its message names the profile, never a secret.
        Amazon.Runtime.CredentialManagement.ProfileNotFoundException => new SyncException(SyncFailure.Access, $"{failure.Message.TrimEnd('.')} " +
            $"({what}): AWS_PROFILE must name a profile in ~/.aws/credentials or ~/.aws/config, or leave it out and set AWS_ACCESS_KEY_ID and " +
            "AWS_SECRET_ACCESS_KEY", failure),
        AmazonServiceException { InnerException: { } inner } when Unreachable(inner) is { } reason => NotReached(reason, what, connection, failure),
        AmazonClientException client when Unreachable(client) is { } reason => NotReached(reason, what, connection, failure),
        AmazonClientException client when client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) =>
            new SyncException(SyncFailure.Access, $"no S3 credentials found ({what}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " +
                "or AWS_PROFILE naming a profile in ~/.aws/credentials", failure),
        HttpRequestException or SocketException or TimeoutException => NotReached(Unreachable(failure) ?? failure.Message, what, connection, failure),
        _ => failure,
    };

    private static Exception Explain(AmazonS3Exception failure, string what, S3Connection connection) => failure.ErrorCode switch
    {
        "SignatureDoesNotMatch" or "InvalidAccessKeyId" or "InvalidToken" or "ExpiredToken" or "TokenRefreshRequired" =>
            new SyncException(SyncFailure.Access, $"{connection.Server} refused the credentials ({failure.ErrorCode}) {what}: check " +
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the profile AWS_PROFILE names in ~/.aws/credentials", failure),
        "NoSuchBucket" => new SyncException(SyncFailure.NotFound, $"bucket {connection.Bucket} does not exist at {connection.Server} ({what}): " +
            "make it first, or check the bucket name and the endpoint (--s3-endpoint, AWS_ENDPOINT_URL)", failure),
        "AccessDenied" or "AllAccessDisabled" or "AccountProblem" => new SyncException(SyncFailure.Access, $"{connection.Server} denied access " +
            $"({failure.ErrorCode}) {what}: the credentials may not read, write, list or delete objects of bucket {connection.Bucket} there; " +
            "grant them s3:GetObject, s3:PutObject, s3:ListBucket and s3:DeleteObject on it", failure),
        "RequestTimeTooSkewed" => new SyncException(SyncFailure.Transport, $"{connection.Server} refused a request because this machine's clock " +
            $"is minutes off from its own ({what}): set the clock right (NTP, timedatectl)", failure),
        "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" => new SyncException(SyncFailure.Transport,
            $"bucket {connection.Bucket} is in another region than the one requests are signed for ({what}): set AWS_REGION to the bucket's " +
            "region", failure),
        _ when (int)failure.StatusCode >= 500 || failure.StatusCode == HttpStatusCode.TooManyRequests => new SyncException(SyncFailure.Transport,
            $"{connection.Server} kept failing {what} ({(int)failure.StatusCode} {failure.ErrorCode}, after retries): try again later", failure),
        _ => new IOException($"{what}: {connection.Server} answered {(int)failure.StatusCode} {failure.ErrorCode}", failure),
    };

    private static SyncException NotReached(string reason, string what, S3Connection connection, Exception failure) =>
        new(SyncFailure.Transport, $"cannot reach {connection.Server} {what}: {reason} (check the endpoint, --s3-endpoint or AWS_ENDPOINT_URL, " +
            "and that the server runs)", failure);

    /// <summary>Why the server could not be reached or answer in time, found anywhere among the causes; null when that is not what went wrong.</summary>
    private static string? Unreachable(Exception failure)
    {
        for (Exception? cause = failure; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case SocketException socket:
                    return socket.Message;
                case TaskCanceledException or TimeoutException:
                    return "no answer in time";
                case HttpRequestException http when http.InnerException is null:
                    return http.Message;
                default:
                    break;
            }
        }
        return null;
    }
}
