using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SqlRsync.Tests.Support;

/// <summary>
/// Debian's sshd on 127.0.0.1 on a free port, with throwaway host and user keys and an ssh client
/// config whose alias "testhost" reaches it with strict host-key checking. Stopped on dispose.
/// When sshd cannot be started here, <see cref="Unavailable"/> says why (tests then skip, saying so).
/// </summary>
public sealed class SshServer : IDisposable
{
    public const string Alias = "testhost";

    private readonly TempDirectory _dir = new();
    private Process? _sshd;

    /// <param name="sessionPath">The PATH of every session (sshd's default when null).</param>
    public SshServer(string? sessionPath = null)
    {
        try
        {
            Start(sessionPath);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
        {
            Unavailable = e.Message;
        }
    }

    /// <summary>Why sshd is not running, or null when it is.</summary>
    public string? Unavailable { get; }

    public int Port { get; private set; }

    /// <summary>The --ssh value that reaches this server through the "testhost" alias.</summary>
    public string SshCommand => $"ssh -F {ClientConfig}";

    public string ClientConfig => _dir.File("ssh_config");

    /// <summary>A remote --exe that runs the sqlrsync built beside the tests.</summary>
    public string Exe => _dir.File("sqlrsync");

    public string KnownHosts => _dir.File("known_hosts");

    /// <summary>The server's host key as a known_hosts line has it: "ssh-ed25519 AAAA...".</summary>
    public string HostPublicKey => string.Join(' ', File.ReadAllText(_dir.File("host_key.pub")).Split(' ').Take(2));

    /// <summary>The client key that authorized_keys lets in (ed25519, no passphrase).</summary>
    public string UserKey => _dir.File("user_key");

    public string Directory => _dir.Path;

    /// <summary>How many ssh connections logged in so far (sshd's "Accepted publickey" lines).</summary>
    public int Logins => Volatile.Read(ref _logins);

    private int _logins;

    private void Start(string? sessionPath)
    {
        if (!File.Exists("/usr/sbin/sshd"))
        {
            throw new InvalidOperationException("/usr/sbin/sshd is not installed (Debian package openssh-server)");
        }
        // sshd reads authorized_keys as the user logging in, who may not be root (BareHost); the keys stay 0600.
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        Keygen("host_key");
        Keygen("user_key");
        File.Copy(_dir.File("user_key.pub"), _dir.File("authorized_keys"));
        System.IO.Directory.CreateDirectory("/run/sshd");
        Port = FreePort();
        File.WriteAllText(_dir.File("sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {_dir.File("host_key")}
            PidFile {_dir.File("sshd.pid")}
            AuthorizedKeysFile {_dir.File("authorized_keys")}
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin yes
            StrictModes no
            UsePAM no
            """ + (sessionPath is null ? "" : $"\nSetEnv PATH={sessionPath}\n"));
        File.WriteAllText(ClientConfig, HostEntry(Alias, "user_key"));
        File.WriteAllText(KnownHosts, $"{Alias} {File.ReadAllText(_dir.File("host_key.pub")).Trim()}\n");
        File.WriteAllText(Exe, $"#!/bin/sh\nexec dotnet '{SqlRsyncProgram.DllPath}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "-D", "-e", "-f", _dir.File("sshd_config") })
        {
            start.ArgumentList.Add(argument);
        }
        _sshd = Process.Start(start)!;
        _sshd.ErrorDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith("Accepted publickey ", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref _logins);
            }
        };
        _sshd.BeginErrorReadLine();
        for (int attempt = 0; attempt < 50; attempt++)
        {
            if (_sshd.HasExited)
            {
                throw new InvalidOperationException($"sshd exited at once with code {_sshd.ExitCode}");
            }
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        throw new TimeoutException($"sshd did not listen on 127.0.0.1:{Port} within 5 s");
    }

    /// <summary>
    /// Adds a client key whose authorized_keys line forces <paramref name="forcedCommand"/> (with
    /// "restrict", as docs/operations.md shows), reached through the ssh alias <paramref name="alias"/>.
    /// </summary>
    public void AddForcedCommandKey(string alias, string forcedCommand)
    {
        Keygen($"{alias}_key");
        File.AppendAllText(_dir.File("authorized_keys"), $"command=\"{forcedCommand}\",restrict {File.ReadAllText(_dir.File($"{alias}_key.pub")).Trim()}\n");
        File.AppendAllText(ClientConfig, "\n" + HostEntry(alias, $"{alias}_key"));
    }

    /// <summary>Adds the ssh alias <paramref name="alias"/>, which logs in as <paramref name="user"/> with the test key.</summary>
    public void AddHostAlias(string alias, string user) =>
        File.AppendAllText(ClientConfig, "\n" + HostEntry(alias, "user_key").Replace($"User {Environment.UserName}", $"User {user}"));

    /// <summary>Adds the ssh alias <paramref name="alias"/>, which reaches this server through <paramref name="link"/> (its ProxyCommand).</summary>
    public void AddLinkAlias(string alias, EmulatedLink link) =>
        File.AppendAllText(ClientConfig, "\n" + HostEntry(alias, "user_key") + $"\n  ProxyCommand {link.ProxyCommand}\n");

    /// <summary>An ssh_config entry: <paramref name="alias"/> reaches this server with the key <paramref name="keyName"/>, checking its host key
    /// strictly.</summary>
    private string HostEntry(string alias, string keyName) => $"""
        Host {alias}
          HostName 127.0.0.1
          Port {Port}
          User {Environment.UserName}
          IdentityFile {_dir.File(keyName)}
          IdentitiesOnly yes
          HostKeyAlias {Alias}
          UserKnownHostsFile {KnownHosts}
          StrictHostKeyChecking yes
          BatchMode yes
          LogLevel ERROR
        """;

    /// <summary>A new client key of <paramref name="type"/>; let in by authorized_keys unless <paramref name="authorized"/> is false. Returns its
    /// file.</summary>
    public string AddUserKey(string name, string type, string passphrase = "", bool authorized = true)
    {
        Keygen(name, type, passphrase);
        if (authorized)
        {
            File.AppendAllText(_dir.File("authorized_keys"), File.ReadAllText(_dir.File($"{name}.pub")));
        }
        return _dir.File(name);
    }

    /// <summary>Replaces the server's host key, so the client's known_hosts no longer matches it.</summary>
    public void ChangeHostKey()
    {
        File.WriteAllText(KnownHosts, $"{Alias} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDGo8VJ8uRBLmyhJgS4Fl0CA0xXq2ybTmMO4yrcZJq3M\n");
    }

    private void Keygen(string name, string type = "ed25519", string passphrase = "")
    {
        var result = ExternalProgram.Run("ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-f", _dir.File(name)]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed: {result.StandardError}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_sshd is { HasExited: false })
        {
            _sshd.Kill();
            _sshd.WaitForExit(5000);
        }
        _sshd?.Dispose();
        _dir.Dispose();
    }
}
