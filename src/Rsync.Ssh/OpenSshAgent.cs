using System.Diagnostics;
using System.Globalization;

namespace SqlRsync.Ssh;

/// <summary>
/// The remote agent reached through the system OpenSSH client as a child process, so users get their
/// ~/.ssh/config aliases, agent, ProxyJump and known_hosts checks unchanged. Nothing here weakens ssh:
/// host keys are checked as the user's config says. When this process has no terminal (cron),
/// BatchMode=yes makes a run fail at once instead of waiting for a password.
/// </summary>
internal sealed class OpenSshAgent : RemoteShellAgent
{
    private readonly Process _process;
    private readonly string _remotePath;
    private readonly ProcessStartInfo _start;
    private readonly int? _givenPort;
    private int _widenedPipeBytes;  // given back once, on Dispose

    private OpenSshAgent(Process process, ProcessStartInfo start, string host, string remotePath, OpenSshOptions options)
        : base(host, options.Agent, process.StandardOutput.BaseStream, process.StandardError.BaseStream)
    {
        _process = process;
        _start = start;
        _givenPort = options.Port;
        _remotePath = remotePath;
        _widenedPipeBytes = AgentPipes.Widen(process.StandardInput.BaseStream) + AgentPipes.Widen(process.StandardOutput.BaseStream);
    }

    /// <summary>ssh's stdin.</summary>
    public override Stream ToAgent => _process.StandardInput.BaseStream;

    /// <exception cref="SyncException">The ssh program cannot be found or started.</exception>
    public static OpenSshAgent Start(OpenSshEndpoint endpoint, AgentRequest request)
    {
        var options = endpoint.Options;
        var words = options.SshCommand;
        if (words.Count == 0)
        {
            throw Transport("the ssh command is empty");
        }
        var program = ExecutablePath.Find(words[0])
            ?? throw Transport($"cannot find the ssh command '{words[0]}' on PATH; install OpenSSH or give its full path with --ssh");
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var word in words.Skip(1))
        {
            start.ArgumentList.Add(word);
        }
        if (options.Port is { } port)
        {
            start.ArgumentList.Add("-p");
            start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        }
        if (Console.IsInputRedirected)
        {
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add("BatchMode=yes");
        }
        if (options.ShareConnection)
        {
            foreach (var argument in SharedConnection.Arguments())
            {
                start.ArgumentList.Add(argument);
            }
        }
        start.ArgumentList.Add("-T");
        // ssh takes IPv6 addresses without the brackets that keep their colons apart from the path.
        start.ArgumentList.Add(endpoint.Host.Replace("[", "").Replace("]", ""));
        start.ArgumentList.Add(CommandLine(options.Agent, request));

        OpenSshAgent agent;
        try
        {
            agent = new OpenSshAgent(Process.Start(start)!, start, endpoint.Host, endpoint.Path, options);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SyncException(SyncFailure.Transport, $"cannot run the ssh command {program} ({e.Message}); install OpenSSH or fix --ssh", e);
        }
        try
        {
            agent.BringUp(options.Agent, request);
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
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
        AgentPipes.Release(_widenedPipeBytes);
        _widenedPipeBytes = 0;
    }

    protected override int? WaitForExit(TimeSpan limit) => _process.WaitForExit(limit) ? _process.ExitCode : null;

    /// <summary>ssh exits 255 when it fails itself (cannot connect, host key refused, login refused).</summary>
    protected override SyncException? ExplainExit(int code, string lastStderrLine) =>
        code == 255 ? Transport($"ssh to {Host} failed: " +
            $"{lastStderrLine.Trim()}{SshFailureHint.For(Host, _remotePath, lastStderrLine, _givenPort, ResolvedHost)}") : null;

    /// <summary>
    /// The host name and port ssh resolves the host to, from `ssh -G` with the same options (its
    /// ssh_config, -p, ProxyJump and all); null when ssh cannot say.
    /// </summary>
    private (string HostName, int Port)? ResolvedHost()
    {
        var query = new ProcessStartInfo(_start.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // The same words, but -G in place of the remote command.
        foreach (var word in _start.ArgumentList.Take(_start.ArgumentList.Count - 1))
        {
            query.ArgumentList.Add(word);
        }
        query.ArgumentList.Insert(query.ArgumentList.Count - 1, "-G");
        try
        {
            using var ssh = Process.Start(query)!;
            ssh.StandardInput.Close();
            var output = ssh.StandardOutput.ReadToEndAsync();
            if (!ssh.WaitForExit(TimeSpan.FromSeconds(5)) || ssh.ExitCode != 0)
            {
                return null;
            }
            var settings = output.Result.Split('\n').Select(line => line.Split(' ', 2)).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0],
                pair => pair[1].Trim(), StringComparer.Ordinal);
            return settings.TryGetValue("hostname", out var name) && settings.TryGetValue("port", out var port) && int.TryParse(port,
                out int number) ? (name, number) : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
