using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using SqlRsync.Ssh;

namespace SqlRsync.Cli;

/// <summary>
/// The sqlrsync command line. Exit codes: 0 success, 1 the sync failed, 2 a usage error, 3 the
/// databases differ (under --check), 4 some of several replicas failed (the others synced), 130
/// interrupted by Ctrl+C, 143 stopped by SIGTERM. Every message goes to stderr as one line; nothing prints a
/// stack trace. Only --json writes to stdout.
/// </summary>
public static class Program
{
    public const int Success = 0;
    public const int SyncFailed = 1;
    public const int UsageError = 2;
    public const int Differ = 3;
    public const int SomeFailed = 4;
    public const int Interrupted = 130;
    public const int Terminated = 143;

    public static int Main(string[] args)
    {
        if (args.Length > 0 && AgentRequest.IsRoleArgument(args[0]))
        {
            // Agent mode, as our client or sqlite3_rsync's starts it: parsed by the same rules as --serve's commands.
            return AgentRequest.FromArguments(args) is { } agent
                ? Outcome(() => SyncAgent.RunOnStandardStreams(agent, new AgentOptions { Warnings = Console.Error.WriteLine }))
                : Usage($"agent mode takes --origin|--replica PATH [--busy-timeout N] [-q], or sqlite3_rsync's --origin|--replica [--wal-only] ORIGIN REPLICA; not \"{string.Join(' ', args)}\"");
        }
        if (args.FirstOrDefault(AgentRequest.IsRoleArgument) is { } agentMode)
        {
            return Usage($"{agentMode} is an agent mode for ssh to start; it comes first, and a sync needs none (sqlrsync ORIGIN REPLICA)");
        }
        var originArgument = new Argument<string?>("ORIGIN") { Description = "The database to copy from: PATH or [USER@]HOST:PATH.", Arity = ArgumentArity.ZeroOrOne };
        var replicaArgument = new Argument<string[]>("REPLICA") { Description = "The database to make an exact copy: PATH or [USER@]HOST:PATH. Several: each becomes a copy of one snapshot of ORIGIN.", Arity = ArgumentArity.ZeroOrMore };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print a summary: bytes sent and received, speedup, pages changed, round trips, time." };
        var veryVerbose = new Option<bool>("-vv") { Description = "The summary plus time per phase and each side's hashing rate." };
        var mostVerbose = new Option<bool>("-vvv") { Description = "All of -vv plus sqlite3_rsync's counters: hashes, hash rounds, page updates." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress line and no warnings; errors still print." };
        var noProgress = new Option<bool>("--no-progress") { Description = "No progress line (it is only ever drawn on a terminal)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every figure on stdout." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Compare and report what would change; write nothing." };
        var check = new Option<bool>("--check") { Description = "Like --dry-run; exit 0 when identical, 3 when they differ." };
        var walOnly = new Option<bool>("--wal-only") { Description = "Refuse unless both databases are WAL databases." };
        var force = new Option<bool>("--force") { Description = "Overwrite REPLICA even if another process has it open and sqlrsync did not make it, or another program changed it since sqlrsync last wrote it." };
        var busyTimeout = new Option<int>("--busy-timeout") { Description = "Seconds to wait for the replica's write lock (another sync or writer).", DefaultValueFactory = _ => 30 }
            .WholeNumber(0, int.MaxValue / 1000, "give the seconds to wait, 0 or more");
        var compress = new Option<string>("--compress") { Description = "Compress pages: auto (on across ssh, off locally), on, off.", DefaultValueFactory = _ => "auto" }
            .OneOf("auto", "on", "off");
        var delta = new Option<string>("--delta") { Description = "Send only the changed blocks of changed pages (one more round trip): auto (on across ssh, off locally), on, off.", DefaultValueFactory = _ => "auto" }
            .OneOf("auto", "on", "off");
        var jobs = new Option<int>("--jobs", "-j") { Description = "With several replicas: how many are compared and sent pages at once (default: all, up to 4 or the number of cores if more)." }
            .WholeNumber(1, 1024, "give how many replicas to send to at once, 1 or more");
        var hashThreads = new Option<int>("--hash-threads") { Description = "Threads each side here hashes with (default: this machine's cores, shared by the sides it runs, at most 8; a remote side uses its own)." }
            .WholeNumber(1, 64, "give how many threads to hash with, 1 to 64");
        var recursive = new Option<bool>("--recursive", "-r") { Description = "With ORIGIN_DIR/: databases in subdirectories too." };
        var include = new Option<string[]>("--include") { Description = "With ORIGIN_DIR/: only databases whose name matches this glob (may be repeated; a glob with '/' matches the relative path).", Arity = ArgumentArity.OneOrMore };
        var exclude = new Option<string[]>("--exclude") { Description = "With ORIGIN_DIR/: leave out databases whose name matches this glob (may be repeated).", Arity = ArgumentArity.OneOrMore };
        var delete = new Option<bool>("--delete") { Description = "With ORIGIN_DIR/: delete the replica side's databases that the origin side no longer has (only ones sqlrsync made, never one in use)." };
        var version = new Option<bool>("--version") { Description = "Show the sqlrsync and SQLite versions." };
        var sshCommand = new Option<string>("--ssh") { Description = "The ssh command, with its own arguments (e.g. \"ssh -i ~/.ssh/backup\").", DefaultValueFactory = _ => "ssh" };
        var port = new Option<int?>("--port", "-p") { Description = "The remote host's ssh port." }
            .WholeNumber(1, 65535, "give a TCP port number, 1 to 65535");
        var protocol = new Option<int?>("--protocol") { Description = "Speak sqlite3_rsync's protocol, version 1 or 2, to a remote sqlite3_rsync (implied, version 2, when --exe names sqlite3_rsync)." }
            .WholeNumber(1, 2, "sqlite3_rsync's protocol has versions 1 and 2");
        var exe = new Option<string?>("--exe") { Description = "The sqlrsync program to run on the remote host (default: one installed there, or this native sqlrsync, which copies itself there)." };
        var noUpload = new Option<bool>("--no-upload") { Description = "Never copy sqlrsync to the remote host; use one installed there." };
        var uploadDir = new Option<string>("--upload-dir") { Description = "The directory on the remote host where sqlrsync keeps the copy it brings (yours, where programs may run). Default ~/.cache/sqlrsync, else /var/tmp/sqlrsync-UID or /tmp/sqlrsync-UID where the home is mounted noexec." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds of silence from the remote side before giving up.", DefaultValueFactory = _ => 120 }
            .WholeNumber(1, int.MaxValue / 1000, "give the seconds of silence to allow, at least 1");
        var sshClient = new Option<string>("--ssh-client") { Description = "openssh: the system's ssh (default); builtin: SSH.NET inside sqlrsync, no ssh program needed.", DefaultValueFactory = _ => "openssh" }
            .OneOf("openssh", "builtin");
        var identity = new Option<string?>("--identity") { Description = "With --ssh-client builtin: the private key file (default: the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa). A passphrase is read from SQLRSYNC_SSH_PASSPHRASE." };
        var knownHosts = new Option<string?>("--known-hosts") { Description = "With --ssh-client builtin: the known_hosts file (default ~/.ssh/known_hosts)." };
        var acceptNewHostKey = new Option<bool>("--accept-new-host-key") { Description = "With --ssh-client builtin: accept and record the key of a host not yet in known_hosts (never a changed key)." };
        var serve = new Option<bool>("--serve") { Description = "Forced-command mode for authorized_keys (command=\"sqlrsync --serve --allow DIR\",restrict): serve only syncs of databases under --allow." };
        var allow = new Option<string[]>("--allow") { Description = "With --serve: a directory whose databases this key may sync (may be repeated).", Arity = ArgumentArity.OneOrMore };
        var readOnly = new Option<bool>("--read-only") { Description = "With --serve: this key may only pull (read databases here)." };
        var writeOnly = new Option<bool>("--write-only") { Description = "With --serve: this key may only push (write replicas here)." };
        var allowDelete = new Option<bool>("--allow-delete") { Description = "With --serve: this key may delete replica databases whose origin is gone (a directory sync with --delete); off by default." };

        var root = new RootCommand("sqlrsync: make REPLICA an exact, consistent copy of the live SQLite database ORIGIN, sending only the pages that differ.")
        {
            originArgument, replicaArgument, verbose, veryVerbose, mostVerbose, quiet, noProgress, json, dryRun, check, walOnly, force, busyTimeout, compress, delta, jobs, hashThreads, recursive, include, exclude, delete,
            sshCommand, sshClient, identity, knownHosts, acceptNewHostKey, port, exe, protocol, noUpload, uploadDir, timeout, serve, allow, readOnly, writeOnly, allowDelete,
        };
        root.Options.Remove(root.Options.OfType<VersionOption>().Single());
        root.Options.Add(version);
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples((HelpAction)help.Action!);

        if (OptionSpelling.Normalize(args, root.Options, out string? misspelled) is not { } words)
        {
            return Usage(misspelled!);
        }
        var parse = root.Parse(words);
        if (parse.UnmatchedTokens.Count > 0)
        {
            return Usage($"{parse.UnmatchedTokens[0]}: one ORIGIN and one REPLICA, no more (quote a path that has spaces)");
        }
        if (parse.Errors.Count > 0)
        {
            return Usage(parse.Errors[0].SymbolResult is OptionResult { Tokens.Count: 0 } missing
                ? $"{missing.Option.Name} needs a value" : parse.Errors[0].Message);
        }
        if (parse.GetValue(version))
        {
            Console.Out.WriteLine(VersionReport.Text());
            return Success;
        }
        if (parse.Action is HelpWithExamples)
        {
            return HelpWithExamples.Show(parse);
        }

        string? origin = parse.GetValue(originArgument);
        string[] replicas = parse.GetValue(replicaArgument) ?? [];
        string? replica = replicas.FirstOrDefault();
        Endpoint? originEndpoint = null;
        List<Endpoint> replicaEndpoints;
        try
        {
            originEndpoint = origin is null ? null : Endpoint.Parse(origin);
            replicaEndpoints = [.. replicas.Select(Endpoint.Parse)];
        }
        catch (FormatException e)
        {
            return Usage(e.Message);
        }
        string compressMode = parse.GetValue(compress)!;
        string deltaMode = parse.GetValue(delta)!;
        int? sqlite3RsyncProtocol = parse.GetValue(protocol);
        if (sqlite3RsyncProtocol is null && Path.GetFileName(parse.GetValue(exe) ?? "").StartsWith("sqlite3_rsync", StringComparison.Ordinal))
        {
            sqlite3RsyncProtocol = 2;
        }
        bool checkOnly = parse.GetValue(check);
        var options = new SyncOptions
        {
            BusyTimeout = TimeSpan.FromSeconds(parse.GetValue(busyTimeout)),
            WalOnly = parse.GetValue(walOnly),
            Compress = compressMode == "auto" ? null : compressMode == "on",
            Delta = deltaMode == "auto" ? null : deltaMode == "on",
            DryRun = checkOnly || parse.GetValue(dryRun),
            Force = parse.GetValue(force),
            Sqlite3RsyncProtocol = sqlite3RsyncProtocol,
            Jobs = parse.GetValue(jobs),
            HashThreads = parse.GetValue(hashThreads),
        };
        var output = new OutputSettings(
            Verbosity: parse.GetValue(mostVerbose) ? 3 : parse.GetValue(veryVerbose) ? 2 : parse.GetValue(verbose) ? 1 : 0,
            Json: parse.GetValue(json),
            Progress: !parse.GetValue(noProgress),
            Quiet: parse.GetValue(quiet),
            Check: checkOnly);
        if (parse.GetValue(serve))
        {
            return Serve(parse.GetValue(allow) ?? [], parse.GetValue(readOnly), parse.GetValue(writeOnly), parse.GetValue(allowDelete), origin is not null, output);
        }
        if (parse.GetValue(allow) is { Length: > 0 } || parse.GetValue(readOnly) || parse.GetValue(writeOnly) || parse.GetValue(allowDelete))
        {
            return Usage("--allow, --read-only, --write-only and --allow-delete go with --serve");
        }
        if (origin is null || replica is null)
        {
            return Usage(origin is null ? "give ORIGIN and REPLICA: sqlrsync ORIGIN REPLICA" : $"give a REPLICA after {origin}: sqlrsync ORIGIN REPLICA");
        }
        if (originEndpoint!.IsRemote && replicaEndpoints.Any(endpoint => endpoint.IsRemote))
        {
            return Usage($"both {origin} and {replicaEndpoints.First(endpoint => endpoint.IsRemote)} are remote; one side must be a local path (write ./NAME for a local file whose name has a ':')");
        }
        bool directories = origin.EndsWith('/');
        if (!directories && new Option[] { recursive, include, exclude, delete }.FirstOrDefault(option => parse.GetResult(option) is { Implicit: false }) is { } directoryOnly)
        {
            return Usage($"{directoryOnly.Name} is for a directory of databases: write ORIGIN_DIR/ with its trailing '/'");
        }
        if (directories && replicas.Length > 1)
        {
            return Usage($"a directory of databases goes to one REPLICA_DIR, not {replicas.Length}");
        }
        if (directories && parse.GetResult(protocol) is { Implicit: false })
        {
            return Usage("--protocol speaks to one remote sqlite3_rsync, which syncs one database; give a database, not ORIGIN_DIR/");
        }
        if (replicas.Length > 1 && originEndpoint.IsRemote)
        {
            return Usage($"with several replicas the origin must be a local path, not {origin}");
        }
        if (replicas.Length > 1 && parse.GetResult(protocol) is { Implicit: false })
        {
            return Usage("--protocol speaks to one remote sqlite3_rsync; give one REPLICA");
        }
        if (!originEndpoint.IsRemote && replicaEndpoints.All(endpoint => !endpoint.IsRemote)
            && new Option[] { port, sshCommand, sshClient, identity, knownHosts, acceptNewHostKey, exe, protocol, noUpload, uploadDir, timeout }
                .FirstOrDefault(option => parse.GetResult(option) is { Implicit: false }) is { } remoteOnly)
        {
            return Usage($"{remoteOnly.Name} is for a remote side, and {origin} and {string.Join(" and ", replicas)} are {(replicas.Length == 1 ? "both" : "all")} local (a remote side is [USER@]HOST:PATH)");
        }
        int silence = parse.GetValue(timeout);
        RemoteSettings remoteSettings;
        try
        {
            remoteSettings = new RemoteSettings(
                parse.GetValue(sshClient) == "builtin", parse.GetValue(sshCommand)!, parse.GetResult(sshCommand) is { Implicit: false },
                parse.GetValue(port), parse.GetValue(exe), !parse.GetValue(noUpload), parse.GetValue(uploadDir), TimeSpan.FromSeconds(silence), output,
                parse.GetValue(identity), parse.GetValue(knownHosts), parse.GetValue(acceptNewHostKey));
            remoteSettings.Check();
        }
        catch (FormatException e)
        {
            return Usage(e.Message);
        }
        if (directories)
        {
            var selection = new DirectoryOptions
            {
                Recursive = parse.GetValue(recursive), Include = parse.GetValue(include) ?? [], Exclude = parse.GetValue(exclude) ?? [], Delete = parse.GetValue(delete),
            };
            return SyncCommand.RunDirectory(originEndpoint, replicaEndpoints[0], selection, options, remoteSettings, output);
        }
        return replicaEndpoints.Count == 1
            ? SyncCommand.Run(originEndpoint, replicaEndpoints[0], options, remoteSettings, output)
            : SyncCommand.RunToMany(originEndpoint, replicaEndpoints, options, remoteSettings, output);
    }

    private static int Serve(string[] allow, bool readOnly, bool writeOnly, bool allowDelete, bool pathsGiven, OutputSettings output)
    {
        if (pathsGiven)
        {
            return Usage("--serve takes no paths: the ssh client names the database, and --allow the directories it may be in");
        }
        if (allow.Length == 0)
        {
            return Usage("--serve needs at least one --allow DIR");
        }
        if (readOnly && writeOnly)
        {
            return Usage("give --read-only or --write-only, not both");
        }
        AllowedDirectories allowed;
        try
        {
            allowed = AllowedDirectories.Resolve(allow);
        }
        catch (ArgumentException e)
        {
            return Usage(MessageOf(e));
        }
        var access = readOnly ? ForcedCommandAccess.ReadOnly : writeOnly ? ForcedCommandAccess.WriteOnly : ForcedCommandAccess.Both;
        if (allowDelete && readOnly)
        {
            return Usage("--allow-delete lets a key delete replicas it pushes to; a --read-only key pushes nothing");
        }
        var rules = new ForcedCommandRules(allowed) { Access = access, AllowDelete = allowDelete, Warnings = output.Quiet ? null : Console.Error.WriteLine };
        return Outcome(() => ForcedCommand.Serve(Environment.GetEnvironmentVariable("SSH_ORIGINAL_COMMAND"), rules));
    }

    /// <summary>Runs an agent's work: exit 0, or 1 with its failure's one line.</summary>
    private static int Outcome(Action serve)
    {
        try
        {
            serve();
            return Success;
        }
        catch (SyncException e)
        {
            return Failed(e.Message);
        }
    }

    /// <summary>An argument exception's own words, without the " (Parameter 'x')" .NET adds to its message.</summary>
    public static string MessageOf(ArgumentException e) =>
        e.ParamName is { } parameter ? e.Message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal) : e.Message;

    public static int Usage(string problem)
    {
        string help = problem.Contains("--help", StringComparison.Ordinal) ? "" : " (see sqlrsync --help)";
        Console.Error.WriteLine($"sqlrsync: error: {OneLine(problem)}{help}");
        return UsageError;
    }

    public static int Failed(string problem)
    {
        Console.Error.WriteLine($"sqlrsync: error: {OneLine(problem)}");
        return SyncFailed;
    }

    /// <summary>Some parser messages span lines; a message here is always one line.</summary>
    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(part => part.Trim()));
}
