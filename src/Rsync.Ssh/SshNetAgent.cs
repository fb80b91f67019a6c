using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace SqlRsync.Ssh;

/// <summary>
/// The remote agent reached through SSH.NET: one ssh connection, one exec channel running the agent's
/// command line, its stdin, stdout and stderr as streams. The host key is checked against known_hosts
/// before anything is sent (<see cref="KnownHosts"/>); secrets never appear in a message.
/// </summary>
internal sealed class SshNetAgent : RemoteShellAgent
{
    private readonly SshClient _client;
    private readonly SshCommand _command;
    private readonly Stream _toAgent;
    private readonly IAsyncResult _execution;

    private SshNetAgent(SshClient client, SshCommand command, Stream toAgent, IAsyncResult execution, SshNetConnection connection)
        : base(connection.Host, connection.Agent, command.OutputStream, command.ExtendedOutputStream)
    {
        _client = client;
        _command = command;
        _toAgent = toAgent;
        _execution = execution;
    }

    public override Stream ToAgent => _toAgent;

    /// <exception cref="SyncException">The key cannot be read, the host cannot be reached, its key is refused, or the login fails.</exception>
    public static SshNetAgent Start(SshNetConnection connection, AgentRequest request)
    {
        var key = LoadKey(connection);
        var info = new ConnectionInfo(connection.Host, connection.Port, connection.User, new PrivateKeyAuthenticationMethod(connection.User, key))
        {
            Timeout = connection.ConnectTimeout,
        };
        var client = new SshClient(info);
        string? hostKeyRefusal = null;
        client.HostKeyReceived += (_, e) =>
        {
            hostKeyRefusal = CheckHostKey(connection, e.HostKey);
            e.CanTrust = hostKeyRefusal is null;
        };
        try
        {
            client.Connect();
        }
        catch (Exception e) when (e is SshException or SocketException or TimeoutException)
        {
            client.Dispose();
            throw e switch
            {
                _ when hostKeyRefusal is not null => Transport(hostKeyRefusal),
                SshAuthenticationException => Transport($"ssh to {connection.Host} as {connection.User} failed: the server did not accept the key " +
                                                        $"({e.Message.TrimEnd('.')}); check the key and the server's authorized_keys"),
                _ => Transport($"cannot connect to {connection.Host} port {connection.Port}: {e.Message.TrimEnd('.')}"),
            };
        }
        var command = client.CreateCommand(CommandLine(connection.Agent, request));
        var execution = command.BeginExecute();
        var agent = new SshNetAgent(client, command, command.CreateInputStream(), execution, connection);
        try
        {
            agent.BringUp(connection.Agent, request);
            return agent;
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    public override void Kill()
    {
        try
        {
            _client.Disconnect();
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or SocketException)
        {
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _command.Dispose();
        _client.Dispose();
    }

    protected override int? WaitForExit(TimeSpan limit) => _execution.AsyncWaitHandle.WaitOne(limit) ? _command.ExitStatus : null;

    /// <summary>Null when the key may be trusted; otherwise the one line that says why not and what to do.</summary>
    private static string? CheckHostKey(SshNetConnection connection, byte[] key)
    {
        string file = connection.KnownHostsFile;
        string name = KnownHosts.NameFor(connection.Host, connection.Port);
        string shown = $"{KnownHosts.KeyType(key)} {KnownHosts.Fingerprint(key)}";
        switch (KnownHosts.Check(file, connection.Host, connection.Port, key))
        {
            case HostKeyVerdict.Known:
                return null;
            case HostKeyVerdict.Unknown when connection.AcceptNewHostKey:
                KnownHosts.Add(file, connection.Host, connection.Port, key);
                return null;
            case HostKeyVerdict.Unknown:
                return $"the host key of {name} ({shown}) is not in {file}: check the fingerprint and add it " +
                       $"(ssh -p {connection.Port} {connection.Host} once, or ssh-keyscan), or accept a new host's key once (--accept-new-host-key)";
            case HostKeyVerdict.Changed:
                return $"the host key of {name} has changed ({shown} is not the key {file} lists): someone may be intercepting the connection; " +
                       $"if the host was reinstalled, remove its old key (ssh-keygen -R '{name}') and add the new one";
            case HostKeyVerdict.OtherTypesKnown:
                return $"the host key of {name} ({shown}) is not in {file}, which lists keys of other types for it: check the fingerprint and add it";
            default:
                return $"the host key of {name} ({shown}) is marked @revoked in {file}; refusing to connect";
        }
    }

    private static PrivateKeyFile LoadKey(SshNetConnection connection)
    {
        string source = connection.PrivateKeyFile ?? "the private key text";
        try
        {
            if (connection.PrivateKeyFile is { } file)
            {
                return new PrivateKeyFile(file, connection.Passphrase);
            }
            if (connection.PrivateKey is { } text)
            {
                return new PrivateKeyFile(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), connection.Passphrase);
            }
        }
        catch (SshPassPhraseNullOrEmptyException e)
        {
            throw new SyncException(SyncFailure.Transport, $"{source} has a passphrase; give it (SQLRSYNC_SSH_PASSPHRASE)", e);
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or FormatException or ArgumentException
            or System.Security.Cryptography.CryptographicException)
        {
            // The message is the library's and names no secret; a wrong passphrase reads as a bad key.
            throw new SyncException(SyncFailure.Transport, $"cannot read {source}: {e.Message.TrimEnd('.')} (a wrong passphrase reads like this too)", e);
        }
        throw new SyncException(SyncFailure.Transport, $"no private key for {connection}: give a key file or the key's text");
    }
}
