
namespace SqlRsync;

/// <summary>
/// A database file on another host, where a transport starts sqlrsync's agent for each sync and
/// carries the protocol over its standard input and output. The transports are in SqlRsync.Ssh.
/// </summary>
public abstract class RemoteEndpoint : SyncEndpoint
{
    internal RemoteEndpoint(string host, string path)
        : base(path)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        Host = host;
    }

    /// <summary>The host the database is on, as the transport names it.</summary>
    public string Host { get; }

    /// <summary>HOST:PATH.</summary>
    public override string ToString() => $"{Host}:{Path}";

    /// <summary>Starts the agent that serves this endpoint's database as <paramref name="request"/> asks.</summary>
    /// <exception cref="SyncException">The transport could not start it (<see cref="SyncFailure.Transport"/>).</exception>
    internal abstract RemoteAgent StartAgent(AgentRequest request);
}
