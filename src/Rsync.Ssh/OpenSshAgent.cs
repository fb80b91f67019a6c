using System.Diagnostics;
using SqlRsync.Remote;

namespace SqlRsync.Ssh;

/// <summary>
/// The remote agent reached through the system OpenSSH client as a child process, so users get their
/// ~/.ssh/config aliases, agent, ProxyJump and known_hosts checks unchanged. Nothing here weakens ssh:
/// host keys are checked as the user's config says. When this process has no terminal (cron),
/// BatchMode=yes makes a run fail at once instead of waiting for a password. The agent's stderr lines
/// are relayed prefixed with the host; its own error lines are not, because they also arrive in the
/// protocol. A watchdog kills the agent after a silence longer than the timeout.
/// </summary>
internal sealed class OpenSshAgent : RemoteAgent
{
    /// <summary>How an agent's own error line starts (the sqlrsync program's one-line errors).</summary>
    private const string AgentErrorPrefix = "sqlrsync: error: ";

    private readonly Process _process;
    private readonly Thread _stderrRelay;
    private readonly ActivityStream _fromAgent;
    private readonly Timer _watchdog;
    private readonly TimeSpan _silenceLimit;
    private readonly Action<string>? _messages;
    private volatile string _lastStderrLine = "";
    private volatile bool _timedOut;

    private OpenSshAgent(Process process, string host, TimeSpan silenceLimit, Action<string>? messages)
    {
        _process = process;
        Host = host;
        _silenceLimit = silenceLimit;
        _messages = messages;
        _fromAgent = new ActivityStream(process.StandardOutput.BaseStream);
        _stderrRelay = new Thread(RelayStandardError) { IsBackground = true, Name = "ssh stderr" };
        _stderrRelay.Start();
        _watchdog = new Timer(_ => KillIfSilent(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public override string Host { get; }

    /// <summary>ssh's stdout: bytes read here also keep the silence watchdog quiet.</summary>
    public override Stream FromAgent => _fromAgent;

    /// <summary>ssh's stdin.</summary>
    public override Stream ToAgent => _process.StandardInput.BaseStream;

    /// <exception cref="SyncException">The ssh program cannot be found or started.</exception>
    public static OpenSshAgent Start(OpenSshEndpoint endpoint, AgentRole role, TimeSpan busyTimeout)
    {
        var options = endpoint.Options;
        var words = options.SshCommand;
        if (words.Count == 0)
        {
            throw new SyncException(SyncFailure.Transport, "the ssh command is empty");
        }
        var program = ExecutablePath.Find(words[0])
            ?? throw new SyncException(SyncFailure.Transport, $"cannot find the ssh command '{words[0]}' on PATH; install OpenSSH or give its full path with --ssh");
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
            start.ArgumentList.Add(port.ToString());
        }
        if (Console.IsInputRedirected)
        {
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add("BatchMode=yes");
        }
        start.ArgumentList.Add("-T");
        // ssh takes IPv6 addresses without the brackets that keep their colons apart from the path.
        start.ArgumentList.Add(endpoint.Host.Replace("[", "").Replace("]", ""));
        start.ArgumentList.Add(AgentCommandLine.Write(options.RemoteProgram, role == AgentRole.Origin, endpoint.Path, busyTimeout, options.Quiet));

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SyncException(SyncFailure.Transport, $"cannot run the ssh command {program} ({e.Message}); install OpenSSH or fix --ssh", e);
        }
        return new OpenSshAgent(process, endpoint.Host, options.SilenceTimeout, options.RemoteMessages);
    }

    /// <summary>
    /// After the conversation failed: why, in the words a user needs, judged from ssh's exit code, its
    /// last stderr line and the first bytes the agent sent. Null when nothing better than the protocol's
    /// own error is known.
    /// </summary>
    public override SyncException? ExplainFailure()
    {
        if (_timedOut)
        {
            return Transport($"no answer from {Host} for {_silenceLimit.TotalSeconds:0} s; gave up (--timeout)");
        }
        // Let the agent see the end of its input, so ssh exits and tells us how.
        try
        {
            ToAgent.Dispose();
        }
        catch (IOException)
        {
        }
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            return null;
        }
        _stderrRelay.Join(TimeSpan.FromSeconds(2));
        int code = _process.ExitCode;
        string last = _lastStderrLine;
        if (code == 127 || last.Contains("not found", StringComparison.OrdinalIgnoreCase) && !last.StartsWith("sqlrsync:"))
        {
            return Transport($"sqlrsync not found on {Host}: install it there or pass --exe ({last})");
        }
        if (code == 255)
        {
            return Transport($"ssh to {Host} failed: {last}");
        }
        _fromAgent.CompleteFirstBytes();
        var first = _fromAgent.FirstBytes;
        if (first.Length > 0 && first[0] != (byte)Protocol.MessageType.Hello)
        {
            var text = new string(System.Text.Encoding.UTF8.GetString(first).TakeWhile(c => !char.IsControl(c)).ToArray()).Trim();
            return Transport($"{Host} printed \"{text}\" on stdout before sqlrsync started: a login script is noisy; make it print nothing for non-interactive shells");
        }
        if (last.StartsWith(AgentErrorPrefix, StringComparison.Ordinal))
        {
            // The agent gave up and said why, but the connection broke before its Error message reached us.
            return new SyncException(SyncFailure.Other, $"{Host}: {last[AgentErrorPrefix.Length..]}");
        }
        if (code != 0 && last.Length > 0 && !last.StartsWith("sqlrsync:", StringComparison.Ordinal))
        {
            return Transport($"the remote program on {Host} failed (exit code {code}): {last.TrimEnd('.')}; is --exe a sqlrsync program?");
        }
        return null;
    }

    public override void Finish()
    {
        ToAgent.Dispose();
        _process.WaitForExit();
        _stderrRelay.Join(TimeSpan.FromSeconds(2));
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
        _watchdog.Dispose();
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }

    private static SyncException Transport(string message) => new(SyncFailure.Transport, message);

    private void KillIfSilent()
    {
        if (!_process.HasExited && DateTime.UtcNow - _fromAgent.LastActivity > _silenceLimit)
        {
            _timedOut = true;
            Kill();
        }
    }

    private void RelayStandardError()
    {
        string? line;
        while ((line = _process.StandardError.ReadLine()) is not null)
        {
            _lastStderrLine = line;
            if (!line.StartsWith(AgentErrorPrefix, StringComparison.Ordinal))
            {
                _messages?.Invoke($"{Host}: {line}");
            }
        }
    }
}
