namespace SqlRsync.Tests.Support;

/// <summary>Syncs run through the library's public API, as a .NET program would run them.</summary>
public static class Syncs
{
    public static SyncResult Local(string origin, string replica, SyncOptions? options = null) =>
        DatabaseSync.RunAsync(SyncEndpoint.Local(origin), SyncEndpoint.Local(replica), options).GetAwaiter().GetResult();

    /// <summary>The origin's side over a pair of streams.</summary>
    public static SyncResult Origin(string origin, Stream input, Stream output, SyncOptions? options = null) =>
        DatabaseSync.RunOriginAsync(origin, input, output, options).GetAwaiter().GetResult();

    /// <summary>The replica's side over a pair of streams.</summary>
    public static SyncResult Replica(string replica, Stream input, Stream output, SyncOptions? options = null) =>
        DatabaseSync.RunReplicaAsync(replica, input, output, options).GetAwaiter().GetResult();
}
