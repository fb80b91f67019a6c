
namespace SqlRsync;

/// <summary>
/// A database file on another host, where a transport starts sqlrsync's agent for each sync and
/// carries the protocol over its standard input and output. The transports are in SqlRsync.Ssh; one of
/// your own derives from this class and <see cref="RemoteAgent"/>, as they do.
/// </summary>
public abstract class RemoteEndpoint : SyncEndpoint
{
    /// <summary>The database at <paramref name="path"/> on <paramref name="host"/>.</summary>
#pragma warning disable RS0022 // Outside code may derive a transport from here; SyncEndpoint has no protected member to expose.
    protected RemoteEndpoint(string host, string path)
#pragma warning restore RS0022
        : base(path)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        Host = host;
    }

    /// <summary>The host the database is on, as the transport names it.</summary>
    public string Host { get; }

    /// <summary>HOST:PATH.</summary>
    public override string ToString() => $"{Host}:{Path}";

    /// <summary>
    /// Starts the agent that serves this endpoint's database as <paramref name="request"/> asks (its
    /// <see cref="AgentRequest.Path"/> is this endpoint's): a sqlrsync of this protocol on the host runs
    /// <see cref="SyncAgent.RunOnStandardStreams"/> for it.
    /// </summary>
    /// <exception cref="SyncException">The transport could not start it (<see cref="SyncFailure.Transport"/>).</exception>
    public abstract RemoteAgent StartAgent(AgentRequest request);
}
