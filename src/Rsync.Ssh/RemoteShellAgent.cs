
namespace SqlRsync.Ssh;

/// <summary>
/// An agent that a remote shell runs for one sync over ssh: it speaks the protocol on its stdin and
/// stdout; a watchdog ends it after a silence longer than the limit. Its warnings are relayed at once,
/// prefixed with the host; its own error lines are not (they also arrive in the protocol); any other
/// stderr line (the shell's, ssh's, a login script's) is held, and shown after a successful sync. When
/// the conversation fails, its exit code, its last stderr line and the first bytes it wrote say why, in
/// the one line that reports the failure.
/// </summary>
internal abstract class RemoteShellAgent : RemoteAgent
{
    /// <summary>How an agent's own error line starts (the sqlrsync program's one-line errors).</summary>
    private const string AgentErrorPrefix = "sqlrsync: error: ";
    private const string AgentPrefix = "sqlrsync: ";
    private const int HeldLinesLimit = 20;

    private readonly ActivityStream _fromAgent;
    private readonly Thread _stderrRelay;
    private readonly Timer _watchdog;
    private readonly TimeSpan _silenceLimit;
    private readonly Action<string>? _messages;
    private readonly string? _namedProgram;
    private readonly Queue<string> _heldLines = new();
    private volatile string _lastStderrLine = "";
    private volatile string? _firstHeldLine;
    private volatile bool _timedOut;
    private bool _isSqlite3Rsync;

    /// <summary>Watches an agent already started as <paramref name="options"/> say (the remote program the user named, --exe, among them).</summary>
    protected RemoteShellAgent(string host, RemoteAgentOptions options, Stream stdout, Stream stderr)
    {
        Host = host;
        _namedProgram = options.RemoteProgram;
        _silenceLimit = options.SilenceTimeout;
        _messages = options.RemoteMessages;
        _fromAgent = new ActivityStream(stdout);
        _stderrRelay = new Thread(() => RelayStandardError(stderr)) { IsBackground = true, Name = "agent stderr" };
        _stderrRelay.Start();
        _watchdog = new Timer(_ => KillIfSilent(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public override string Host { get; }

    /// <summary>The agent's stdout: bytes read here also keep the silence watchdog quiet.</summary>
    public override Stream FromAgent => _fromAgent;

    /// <summary>The program to run remotely: the one named, else sqlite3_rsync for its protocol, else null (the bootstrap script finds or brings
    /// sqlrsync).</summary>
    private static string? Program(string? named, AgentRequest request) => named ?? (request.Sqlite3Rsync ? "sqlite3_rsync" : null);

    /// <summary>The remote command that starts the agent: the program named (or sqlite3_rsync), else the bootstrap script.</summary>
    protected static string CommandLine(RemoteAgentOptions options, AgentRequest request)
    {
        string? program = Program(options.RemoteProgram, request);
        if (request.Sqlite3Rsync)
        {
            return AgentCommandLine.WriteForSqlite3Rsync(program!, request);
        }
        return program is { } exe
            ? AgentCommandLine.Write(exe, request, options.Quiet)
            : AgentBootstrap.CommandLine(request, options.Quiet, options.AllowUpload ? LocalExecutable.Current : null, options.UploadDirectory);
    }

    /// <summary>With the bootstrap script (no program named): answers it, sending this executable if asked, until the agent runs.</summary>
    protected void BringUp(RemoteAgentOptions options, AgentRequest request)
    {
        if (Program(options.RemoteProgram, request) is not null)
        {
            return;
        }
        var upload = options.AllowUpload ? LocalExecutable.Current : null;
        long sent = AgentBootstrap.Converse(_fromAgent, ToAgent, upload, !options.AllowUpload, Host);
        if (sent > 0)
        {
            options.Notices?.Invoke($"sqlrsync copied itself to {Host} ({sent:N0} bytes, into its upload directory there)");
        }
    }

    public override void Finish()
    {
        ToAgent.Dispose();
        WaitForExit(Timeout.InfiniteTimeSpan);
        _stderrRelay.Join(TimeSpan.FromSeconds(2));
        ShowHeldLines();
    }

    public override bool IsSqlite3Rsync => _isSqlite3Rsync;

    /// <summary>
    /// After the conversation failed: why, in the words a user needs, judged from the exit code, the
    /// last stderr line and the first bytes the agent sent; else <paramref name="failure"/>, with the
    /// last line the remote side wrote to stderr (ssh's notices aside). Held lines are not shown
    /// after a failure: one line reports it.
    /// </summary>
    protected override SyncException ExplainBreak(SyncException failure)
    {
        var explanation = Explain();
        string? said;
        lock (_heldLines)
        {
            said = _heldLines.LastOrDefault(line => !IsSshNotice(line));
            _heldLines.Clear();
        }
        return explanation
            ?? (said is null ? failure : new SyncException(failure.Reason, $"{failure.Message} ({Host} said: {said.Trim()})", failure.InnerException
                ?? failure));
    }

    /// <summary>ssh's notice on a first connection, which explains no failure.</summary>
    private static bool IsSshNotice(string line) => line.StartsWith("Warning: Permanently added ", StringComparison.Ordinal);

    private SyncException? Explain()
    {
        if (_timedOut)
        {
            return Transport($"no answer from {Host} for {_silenceLimit.TotalSeconds:0} s; gave up (--timeout)");
        }
        // Let the agent see the end of its input, so it exits and its exit code tells us how.
        try
        {
            ToAgent.Dispose();
        }
        catch (IOException)
        {
        }
        if (WaitForExit(TimeSpan.FromSeconds(10)) is not { } code)
        {
            return null;
        }
        _stderrRelay.Join(TimeSpan.FromSeconds(2));
        string last = _lastStderrLine;
        if (code == 127 || last.Contains("not found", StringComparison.OrdinalIgnoreCase) && !last.StartsWith("sqlrsync:", StringComparison.Ordinal)
            || code == 126 && _namedProgram is not null)
        {
            return Transport(_namedProgram is { } named
                ? $"--exe {named}: no such program on {Host}, or it cannot run ({last}); give the path of sqlrsync (or sqlite3_rsync) there"
                : $"sqlrsync not found on {Host}: install it there or name it with --exe (RemoteProgram) ({last})");
        }
        if (code != 0 && IsSqlite3RsyncRefusal(_firstHeldLine))
        {
            _isSqlite3Rsync = true;
            return new SyncException(SyncFailure.Incompatible,
                $"the remote program on {Host} is sqlite3_rsync, which does not speak sqlrsync's protocol ({_firstHeldLine})");
        }
        if (ExplainExit(code, last) is { } transportFailure)
        {
            return transportFailure;
        }
        _fromAgent.CompleteFirstBytes();
        var first = _fromAgent.FirstBytes;
        // The bootstrap script answers with a NUL first; an agent says Hello (or Error); anything else came from a login script.
        if (first.Length > 0 && first[0] != 0 && !SyncAgent.CanBeginAnAnswer(first[0]))
        {
            var text = new string(System.Text.Encoding.UTF8.GetString(first).TakeWhile(c => !char.IsControl(c)).ToArray()).Trim();
            return Transport($"{Host} printed \"{text}\" on stdout before sqlrsync started: a login script is noisy; make it print nothing for " +
                "non-interactive shells");
        }
        if (last.StartsWith(AgentErrorPrefix, StringComparison.Ordinal))
        {
            // The agent gave up and said why, but the connection broke before its Error message reached us.
            return new SyncException(SyncFailure.Other, $"{Host}: {last[AgentErrorPrefix.Length..]}");
        }
        if (code != 0 && _firstHeldLine is { } complaint && !IsSshNotice(complaint))
        {
            // A program's first complaint says what is wrong; later lines tend to say "try --help".
            return Transport($"the remote program on {Host} failed (exit code {code}): {complaint.TrimEnd('.')}"
                + (_namedProgram is null ? "" : "; is --exe (RemoteProgram) a sqlrsync program?"));
        }
        if (first.Length == 0)
        {
            return Transport($"the remote program {_namedProgram ?? "sqlrsync"} on {Host} ended (exit code {code}) without answering" +
                (_namedProgram is null ? "" : "; is --exe (RemoteProgram) a sqlrsync program?"));
        }
        return null;
    }

    public override void Dispose()
    {
        _watchdog.Dispose();
    }

    protected static SyncException Transport(string message) => new(SyncFailure.Transport, message);

    /// <summary>
    /// What sqlite3_rsync prints when started with our agent's arguments, which it does not know
    /// (`--origin PATH --busy-timeout N`): it wants two paths and none of our options (it names an
    /// option with one dash).
    /// </summary>
    private static bool IsSqlite3RsyncRefusal(string? line) =>
        line is not null && (line.StartsWith("unknown option: \"-busy-timeout\"", StringComparison.Ordinal) || line == "missing REPLICA database filename");

    /// <summary>Waits (at most <paramref name="limit"/>) for the agent to exit; its exit code, or null when unknown.</summary>
    protected abstract int? WaitForExit(TimeSpan limit);

    /// <summary>A failure of the transport itself that the exit code shows (OpenSSH exits 255), or null.</summary>
    protected virtual SyncException? ExplainExit(int code, string lastStderrLine) => null;

    private void ShowHeldLines()
    {
        lock (_heldLines)
        {
            while (_heldLines.TryDequeue(out var line))
            {
                _messages?.Invoke($"{Host}: {line}");
            }
        }
    }

    private void KillIfSilent()
    {
        if (DateTime.UtcNow - _fromAgent.LastActivity > _silenceLimit)
        {
            _timedOut = true;
            Kill();
        }
    }

    private void RelayStandardError(Stream stderr)
    {
        using var reader = new StreamReader(stderr);
        try
        {
            for (string? line; (line = reader.ReadLine()) is not null;)
            {
                _lastStderrLine = line;
                if (!line.StartsWith(AgentPrefix, StringComparison.Ordinal))
                {
                    _firstHeldLine ??= line;
                    lock (_heldLines)
                    {
                        _heldLines.Enqueue(line);
                        if (_heldLines.Count > HeldLinesLimit)
                        {
                            _heldLines.Dequeue();
                        }
                    }
                }
                else if (!line.StartsWith(AgentErrorPrefix, StringComparison.Ordinal))
                {
                    _messages?.Invoke($"{Host}: {line}");
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }
}
