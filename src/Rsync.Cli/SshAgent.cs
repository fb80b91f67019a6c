using System.Diagnostics;

namespace Rsync.Cli;

/// <summary>
/// The remote agent, reached through the system OpenSSH client as a child process, so users get their
/// ~/.ssh/config aliases, agent, ProxyJump and known_hosts checks unchanged. Nothing here weakens ssh:
/// host keys are checked as the user's config says. When stdin is not a terminal (cron), BatchMode=yes
/// makes a run fail at once instead of waiting for a password. The agent's stderr lines are relayed
/// prefixed with the host; its own error lines are not, because they also arrive in the protocol.
/// </summary>
internal sealed class SshAgent : IDisposable
{
    private readonly Process _process;
    private readonly Thread _stderrRelay;
    private readonly ActivityStream _input;
    private readonly Timer _watchdog;
    private readonly TimeSpan _silenceLimit;
    private volatile string _lastStderrLine = "";

    /// <summary>How an agent's own error line starts (Program.Failed).</summary>
    private const string AgentErrorPrefix = "sqlrsync: error: ";

    private SshAgent(Process process, string host, TimeSpan silenceLimit)
    {
        _process = process;
        Host = host;
        _silenceLimit = silenceLimit;
        _input = new ActivityStream(process.StandardOutput.BaseStream);
        _stderrRelay = new Thread(RelayStandardError) { IsBackground = true, Name = "ssh stderr" };
        _stderrRelay.Start();
        _watchdog = new Timer(_ => KillIfSilent(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public string Host { get; }

    /// <summary>What the agent writes (ssh's stdout): bytes read here also keep the silence watchdog quiet.</summary>
    public ActivityStream Input => _input;

    /// <summary>What the agent reads (ssh's stdin).</summary>
    public Stream Output => _process.StandardInput.BaseStream;

    public bool TimedOut { get; private set; }

    public static SshAgent Start(SshSettings ssh, Endpoint remote, string agentOption, TimeSpan busyTimeout, bool quiet)
    {
        var words = RemoteCommand.SplitWords(ssh.Command);
        if (words.Count == 0)
        {
            throw new FormatException("--ssh is empty");
        }
        var program = ExecutablePath.Find(words[0])
            ?? throw new FormatException($"cannot find the ssh command '{words[0]}' on PATH; install OpenSSH or give its full path with --ssh");
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
        if (ssh.Port is { } port)
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
        start.ArgumentList.Add(remote.Host!.Replace("[", "").Replace("]", ""));
        start.ArgumentList.Add(RemoteCommand.For(ssh.Exe, agentOption, remote.Path, busyTimeout, quiet));

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FormatException($"cannot run the ssh command {program} ({e.Message}); install OpenSSH or fix --ssh");
        }
        return new SshAgent(process, remote.Host!, ssh.Timeout);
    }

    /// <summary>
    /// After the conversation failed: why, in the words a user needs, judged from ssh's exit code, its
    /// last stderr line and the first bytes the agent sent. Null when nothing better than the protocol's
    /// own error is known.
    /// </summary>
    public string? Explain()
    {
        if (TimedOut)
        {
            return $"no answer from {Host} for {_silenceLimit.TotalSeconds:0} s; gave up (--timeout)";
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
            return $"sqlrsync not found on {Host}: install it there or pass --exe ({last})";
        }
        if (code == 255)
        {
            return $"ssh to {Host} failed: {last}";
        }
        _input.CompleteFirstBytes();
        var first = _input.FirstBytes;
        if (first.Length > 0 && first[0] != (byte)Rsync.Protocol.MessageType.Hello)
        {
            var text = new string(System.Text.Encoding.UTF8.GetString(first).TakeWhile(c => !char.IsControl(c)).ToArray()).Trim();
            return $"{Host} printed \"{text}\" on stdout before sqlrsync started: a login script is noisy; make it print nothing for non-interactive shells";
        }
        if (last.StartsWith(AgentErrorPrefix, StringComparison.Ordinal))
        {
            // The agent gave up and said why, but the connection broke before its Error message reached us.
            return $"{Host}: {last[AgentErrorPrefix.Length..]}";
        }
        if (code != 0 && last.Length > 0 && !last.StartsWith("sqlrsync:", StringComparison.Ordinal))
        {
            return $"the remote program on {Host} failed (exit code {code}): {last.TrimEnd('.')}; is --exe a sqlrsync program?";
        }
        return null;
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public int WaitForExit()
    {
        _process.WaitForExit();
        _stderrRelay.Join(TimeSpan.FromSeconds(2));
        return _process.ExitCode;
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }

    private void KillIfSilent()
    {
        if (!_process.HasExited && DateTime.UtcNow - _input.LastActivity > _silenceLimit)
        {
            TimedOut = true;
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
                Console.Error.WriteLine($"{Host}: {line}");
            }
        }
    }
}

/// <summary>How to reach the remote side: --ssh, -p, --exe and --timeout.</summary>
internal sealed record SshSettings(string Command, int? Port, string Exe, TimeSpan Timeout);
