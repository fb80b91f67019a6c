using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using SqlRsync.S3;
using SqlRsync.Ssh;

namespace SqlRsync.Cli;

/// <summary>
/// The sqlrsync command line: every option once, the rules between options as the parser's own
/// validators (every usage error is a parse error, reported one way), and the one request a valid
/// command line makes (<see cref="ToRequest"/>). Defaults are the library's. What the library refuses
/// itself (both sides remote, the same file twice) it refuses with an ArgumentException, which the
/// program reports as a usage error too.
/// </summary>
internal sealed class CommandLine
{
    private readonly Argument<string?> _origin = new("ORIGIN")
    {
        Description = "The database to copy from: PATH or [USER@]HOST:PATH.",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Argument<string[]> _replicas = new("REPLICA")
    {
        Description = "The database to make an exact copy: PATH or [USER@]HOST:PATH. Several: each becomes a copy of one snapshot of ORIGIN.",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private readonly Option<bool> _verbose = new("--verbose", "-v")
    {
        Description = "Print a summary: bytes sent and received, speedup, pages changed, round trips, time.",
    };
    private readonly Option<bool> _veryVerbose = new("-vv") { Description = "The summary plus time per phase and each side's hashing rate." };
    private readonly Option<bool> _mostVerbose = new("-vvv")
    {
        Description = "All of -vv plus sqlite3_rsync's counters: hashes, hash rounds, page updates.",
    };
    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "No progress line and no warnings; errors still print." };
    private readonly Option<bool> _noProgress = new("--no-progress") { Description = "No progress line (it is only ever drawn on a terminal)." };
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object with every figure on stdout." };
    private readonly Option<bool> _dryRun = new("--dry-run", "-n") { Description = "Compare and report what would change; write nothing." };
    private readonly Option<bool> _check = new("--check") { Description = "Like --dry-run; exit 0 when identical, 3 when they differ." };
    private readonly Option<bool> _walOnly = new("--wal-only") { Description = "Refuse unless both databases are WAL databases." };
    private readonly Option<bool> _force = new("--force")
    {
        Description = "Overwrite REPLICA even if another process has it open and sqlrsync did not make it, or another program changed " +
            "it since sqlrsync last wrote it.",
    };
    private readonly Option<int> _busyTimeout = new Option<int>("--busy-timeout")
    {
        Description = "Seconds to wait for the replica's write lock (another sync or writer).",
        DefaultValueFactory = _ => (int)Defaults.BusyTimeout.TotalSeconds,
    }
        .WholeNumber(0, int.MaxValue / 1000, "give the seconds to wait, 0 or more");
    private readonly Option<string> _compress = new Option<string>("--compress")
    {
        Description = "Compress pages: auto (on across ssh, off locally), on, off.",
        DefaultValueFactory = _ => "auto",
    }
        .OneOf("auto", "on", "off");
    private readonly Option<string> _delta = new Option<string>("--delta")
    {
        Description = "Send only the changed blocks of changed pages (one more round trip): auto (on across ssh, off locally), on, off.",
        DefaultValueFactory = _ => "auto",
    }
        .OneOf("auto", "on", "off");
    private readonly Option<int> _jobs = new Option<int>("--jobs", "-j")
    {
        Description = "With several replicas: how many are compared and sent pages at once (default: all, up to 4 or the number of cores if more).",
    }
        .WholeNumber(1, 1024, "give how many replicas to send to at once, 1 or more");
    private readonly Option<int> _hashThreads = new Option<int>("--hash-threads")
    {
        Description = "Threads each side here hashes with (default: this machine's cores, shared by the sides it runs, at most 8; a " +
            "remote side uses its own).",
    }
        .WholeNumber(1, 64, "give how many threads to hash with, 1 to 64");
    private readonly Option<bool> _recursive = new("--recursive", "-r") { Description = "With ORIGIN_DIR/: databases in subdirectories too." };
    private readonly Option<string[]> _include = new("--include")
    {
        Description = "With ORIGIN_DIR/: only databases whose name matches this glob (may be repeated; a glob with '/' matches the relative path).",
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<string[]> _exclude = new("--exclude")
    {
        Description = "With ORIGIN_DIR/: leave out databases whose name matches this glob (may be repeated).",
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<bool> _delete = new("--delete")
    {
        Description = "With ORIGIN_DIR/: delete the replica side's databases that the origin side no longer has (only ones sqlrsync " +
            "made, never one in use).",
    };
    private readonly Option<bool> _archive = new("--archive")
    {
        Description = "REPLICA is a snapshot archive (a directory): add a snapshot of ORIGIN to it, making it if it does not exist. An " +
            "existing local archive is recognised without it (HOST:DIR needs it every time); an archive as ORIGIN is restored from (HOST:DIR " +
            "with --at).",
    };
    private readonly Option<string?> _at = new("--at")
    {
        Description = "With an archive as ORIGIN: the snapshot to restore, --check or --verify: its id (or 4+ first digits), latest " +
            "(the default), or a time (ISO 8601, UTC unless a zone is given; the last snapshot at or before it).",
    };
    private readonly Option<bool> _list = new("--list") { Description = "List the snapshots of the archive given as the one path (with --json: as JSON)." };
    private readonly Option<bool> _verify = new("--verify")
    {
        Description = "Read everything the snapshots of the archive given as the one path need and check it; exit 0 when intact, 1 when damaged.",
    };
    private readonly Option<bool> _prune = new("--prune")
    {
        Description = "Remove the snapshots of the archive given as the one path that the --keep-* options do not keep, and the storage only " +
            "they need (with --dry-run: say what would go).",
    };
    private readonly Option<int> _keepLast = new Option<int>("--keep-last") { Description = "With --prune: keep the newest N snapshots." }
        .WholeNumber(1, 1_000_000, "give how many snapshots to keep, 1 or more");
    private readonly Option<int> _keepDaily = new Option<int>("--keep-daily")
    {
        Description = "With --prune: keep the newest snapshot of each of the newest N days that have one (UTC).",
    }
        .WholeNumber(1, 1_000_000, "give how many days to keep a snapshot of, 1 or more");
    private readonly Option<int> _keepWeekly = new Option<int>("--keep-weekly")
    {
        Description = "With --prune: keep the newest snapshot of each of the newest N weeks that have one.",
    }
        .WholeNumber(1, 1_000_000, "give how many weeks to keep a snapshot of, 1 or more");
    private readonly Option<int> _keepMonthly = new Option<int>("--keep-monthly")
    {
        Description = "With --prune: keep the newest snapshot of each of the newest N months that have one.",
    }
        .WholeNumber(1, 1_000_000, "give how many months to keep a snapshot of, 1 or more");
    private readonly Option<string?> _encryptionKey = new("--encryption-key")
    {
        Description = "The key file of an encrypted archive (sqlrsync --make-key FILE makes one): a new archive is encrypted with it.",
    };
    private readonly Option<string?> _makeKey = new("--make-key")
    {
        Description = "Write a new random archive encryption key to this file (which must not exist), readable by you only, and exit.",
    };
    private readonly Option<bool> _watch = new("--watch")
    {
        Description = "Keep REPLICA(s) fresh until stopped: sync again each time ORIGIN commits (Ctrl+C or SIGTERM end the cycle under way " +
            "and exit 0). With -v a line per cycle, with --json a JSON object per cycle.",
    };
    private readonly Option<TimeSpan> _interval = new Option<TimeSpan>("--interval")
    {
        Description = "With --watch: the least time between two cycles; commits that come faster are synced together (default 100ms; " +
            "seconds, or with a unit: 250ms, 2s, 1m).",
        DefaultValueFactory = _ => new WatchOptions().Interval,
    }
        .Duration(TimeSpan.Zero, TimeSpan.FromDays(1), "give a time from 0 to 1d, in seconds or with a unit (250ms, 2s, 1m)");
    private readonly Option<TimeSpan> _snapshotEvery = new Option<TimeSpan>("--snapshot-every")
    {
        Description = "With --watch and an archive as a REPLICA: the least time between two snapshots added to it (default 1h; 15m, 6h, 1d).",
        DefaultValueFactory = _ => new WatchOptions().SnapshotEvery,
    }
        .Duration(TimeSpan.FromSeconds(1), TimeSpan.FromDays(366), "give a time from 1s to 366d, in seconds or with a unit (15m, 6h, 1d)");
    private readonly Option<string?> _s3Endpoint = new("--s3-endpoint")
    {
        Description = "The URL of an S3-compatible server for s3://BUCKET/PREFIX sides (default: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, " +
            "else AWS in AWS_REGION). Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE.",
    };
    private readonly Option<bool> _version = new("--version") { Description = "Show the sqlrsync and SQLite versions." };
    private readonly Option<string> _ssh = new("--ssh")
    {
        Description = "The ssh command, with its own arguments (e.g. \"ssh -i ~/.ssh/backup\").",
        DefaultValueFactory = _ => "ssh",
    };
    private readonly Option<int?> _port = new Option<int?>("--port", "-p")
    {
        Description = "The remote host's ssh port.",
    }
        .WholeNumber(1, 65535, "give a TCP port number, 1 to 65535");
    private readonly Option<int?> _protocol = new Option<int?>("--protocol")
    {
        Description = "Speak sqlite3_rsync's protocol, version 1 or 2, to a remote sqlite3_rsync (implied, version 2, when --exe " +
            "names sqlite3_rsync).",
    }
        .WholeNumber(1, SyncAgent.Sqlite3RsyncProtocolVersion, "sqlite3_rsync's protocol has versions 1 and 2");
    private readonly Option<string?> _exe = new("--exe")
    {
        Description = "The sqlrsync program to run on the remote host (default: one installed there, or this native sqlrsync, which " +
            "copies itself there).",
    };
    private readonly Option<bool> _noUpload = new("--no-upload") { Description = "Never copy sqlrsync to the remote host; use one installed there." };
    private readonly Option<string> _uploadDir = new("--upload-dir")
    {
        Description = "The directory on the remote host where sqlrsync keeps the copy it brings (yours, where programs may run). " +
            "Default ~/.cache/sqlrsync, else /var/tmp/sqlrsync-UID or /tmp/sqlrsync-UID where the home is mounted noexec.",
    };
    private readonly Option<int> _timeout = new Option<int>("--timeout")
    {
        Description = "Seconds of silence from the remote side before giving up.",
        DefaultValueFactory = _ => (int)Defaults.SilenceTimeout.TotalSeconds,
    }
        .WholeNumber(1, int.MaxValue / 1000, "give the seconds of silence to allow, at least 1");
    private readonly Option<string> _sshClient = new Option<string>("--ssh-client")
    {
        Description = "openssh: the system's ssh (default); builtin: SSH.NET inside sqlrsync, no ssh program needed.",
        DefaultValueFactory = _ => "openssh",
    }
        .OneOf("openssh", "builtin");
    private readonly Option<string?> _identity = new("--identity")
    {
        Description = "With --ssh-client builtin: the private key file (default: the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa). A " +
            "passphrase is read from SQLRSYNC_SSH_PASSPHRASE.",
    };
    private readonly Option<string?> _knownHosts = new("--known-hosts")
    {
        Description = "With --ssh-client builtin: the known_hosts file (default ~/.ssh/known_hosts).",
    };
    private readonly Option<bool> _acceptNewHostKey = new("--accept-new-host-key")
    {
        Description = "With --ssh-client builtin: accept and record the key of a host not yet in known_hosts (never a changed key).",
    };
    private readonly Option<bool> _serve = new("--serve")
    {
        Description = "Forced-command mode for authorized_keys (command=\"sqlrsync --serve --allow DIR\",restrict): serve only syncs " +
            "of databases under --allow.",
    };
    private readonly Option<string[]> _allow = new("--allow")
    {
        Description = "With --serve: a directory whose databases this key may sync (may be repeated).",
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<bool> _readOnly = new("--read-only") { Description = "With --serve: this key may only pull (read databases here)." };
    private readonly Option<bool> _writeOnly = new("--write-only") { Description = "With --serve: this key may only push (write replicas here)." };
    private readonly Option<bool> _allowDelete = new("--allow-delete")
    {
        Description = "With --serve: this key may delete replica databases whose origin is gone (a directory sync with --delete); off by default.",
    };
    private readonly Option<bool> _appendOnly = new("--append-only")
    {
        Description = "With --serve: this key may only add snapshots to archives and read; it overwrites no database and deletes or " +
            "rewrites nothing in an archive (no prune).",
    };

    public CommandLine()
    {
        Root = new RootCommand("sqlrsync: make REPLICA an exact, consistent copy of the live SQLite database ORIGIN, sending only the pages that differ.")
        {
            _origin, _replicas, _verbose, _veryVerbose, _mostVerbose, _quiet, _noProgress, _json, _dryRun, _check, _walOnly, _force, _busyTimeout,
                _compress, _delta, _jobs, _hashThreads,
            _recursive, _include, _exclude, _delete, _ssh, _sshClient, _identity, _knownHosts, _acceptNewHostKey, _port, _exe, _protocol, _noUpload,
                _uploadDir, _timeout,
            _serve, _allow, _readOnly, _writeOnly, _allowDelete, _appendOnly,
            _archive, _at, _list, _verify, _prune, _keepLast, _keepDaily, _keepWeekly, _keepMonthly, _encryptionKey, _makeKey,
            _watch, _interval, _snapshotEvery, _s3Endpoint,
        };
        Root.Options.Remove(Root.Options.OfType<VersionOption>().Single());
        Root.Options.Add(_version);
        var help = Root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples((HelpAction)help.Action!);
        Root.Validators.Add(Check);
    }

    /// <summary>The defaults the library and its transports use, which the options show.</summary>
    private static class Defaults
    {
        public static readonly TimeSpan BusyTimeout = new SyncOptions().BusyTimeout;
        public static readonly TimeSpan SilenceTimeout = new RemoteAgentOptions().SilenceTimeout;
    }

    public RootCommand Root { get; }

    public bool AsksForVersion(ParseResult parse) => parse.GetValue(_version);

    /// <summary>The request a command line that parsed without errors makes.</summary>
    /// <exception cref="ArgumentException">An --allow directory does not exist.</exception>
    public CommandRequest ToRequest(ParseResult parse)
    {
        var output = new OutputSettings(
            Verbosity: parse.GetValue(_mostVerbose) ? 3 : parse.GetValue(_veryVerbose) ? 2 : parse.GetValue(_verbose) ? 1 : 0,
            Json: parse.GetValue(_json),
            Progress: !parse.GetValue(_noProgress),
            Quiet: parse.GetValue(_quiet),
            Check: parse.GetValue(_check));
        if (parse.GetValue(_serve))
        {
            var access = parse.GetValue(_readOnly) ? ForcedCommandAccess.ReadOnly
                : parse.GetValue(_writeOnly) ? ForcedCommandAccess.WriteOnly
                : ForcedCommandAccess.Both;
            return new ServeRequest(new ForcedCommandRules(AllowedDirectories.Resolve(parse.GetValue(_allow)!))
            {
                Access = access,
                AllowDelete = parse.GetValue(_allowDelete),
                AppendOnly = parse.GetValue(_appendOnly),
                Warnings = output.Quiet ? null : Console.Error.WriteLine,
            }, output);
        }
        if (parse.GetValue(_makeKey) is { } keyFile)
        {
            return new MakeKeyRequest(keyFile, output);
        }
        var remote = new RemoteSettings(
            parse.GetValue(_sshClient) == "builtin", parse.GetValue(_ssh)!, parse.GetValue(_port), parse.GetValue(_exe), !parse.GetValue(_noUpload),
                parse.GetValue(_uploadDir),
            TimeSpan.FromSeconds(parse.GetValue(_timeout)), output, parse.GetValue(_identity), parse.GetValue(_knownHosts), parse.GetValue(_acceptNewHostKey))
        {
            ShareConnection = parse.GetValue(_watch),
        };
        var archive = new ArchiveSettings(parse.GetValue(_archive), parse.GetValue(_at), parse.GetValue(_encryptionKey));
        var s3 = new S3Settings(parse.GetValue(_s3Endpoint));
        if (parse.GetValue(_list) || parse.GetValue(_verify) || parse.GetValue(_prune))
        {
            var command = parse.GetValue(_list) ? ArchiveCommand.List : parse.GetValue(_verify) ? ArchiveCommand.Verify : ArchiveCommand.Prune;
            var retention = new SnapshotRetention
            {
                KeepLast = parse.GetValue(_keepLast),
                KeepDaily = parse.GetValue(_keepDaily),
                KeepWeekly = parse.GetValue(_keepWeekly),
                KeepMonthly = parse.GetValue(_keepMonthly),
            };
            return new ArchiveRequest(command, Endpoint.Parse(parse.GetValue(_origin)!), archive, retention, parse.GetValue(_dryRun),
                TimeSpan.FromSeconds(parse.GetValue(_busyTimeout)), output)
            {
                Remote = remote,
                S3 = s3,
            };
        }
        var origin = Endpoint.Parse(parse.GetValue(_origin)!);
        var replicas = parse.GetValue(_replicas)!.Select(Endpoint.Parse).ToList();
        string compress = parse.GetValue(_compress)!;
        string delta = parse.GetValue(_delta)!;
        var options = new SyncOptions
        {
            BusyTimeout = TimeSpan.FromSeconds(parse.GetValue(_busyTimeout)),
            WalOnly = parse.GetValue(_walOnly),
            Compress = compress == "auto" ? null : compress == "on",
            Delta = delta == "auto" ? null : delta == "on",
            DryRun = output.Check || parse.GetValue(_dryRun),
            Force = parse.GetValue(_force),
            Sqlite3RsyncProtocol = parse.GetValue(_protocol) ?? (NamesSqlite3Rsync(parse.GetValue(_exe)) ? SyncAgent.Sqlite3RsyncProtocolVersion : null),
            Jobs = parse.GetValue(_jobs),
            HashThreads = parse.GetValue(_hashThreads),
        };
        // ORIGIN_DIR/: a trailing '/' asks for every database of a directory.
        var shape = parse.GetValue(_origin)!.EndsWith('/') ? SyncShape.Directory : replicas.Count > 1 ? SyncShape.Many : SyncShape.One;
        var selection = new DirectoryOptions
        {
            Recursive = parse.GetValue(_recursive),
            Include = parse.GetValue(_include) ?? [],
            Exclude = parse.GetValue(_exclude) ?? [],
            Delete = parse.GetValue(_delete),
        };
        var watch = parse.GetValue(_watch) ? new WatchSettings(parse.GetValue(_interval), parse.GetValue(_snapshotEvery)) : null;
        return new SyncRequest(shape, origin, replicas, selection, options, remote, output) { Archive = archive, Watch = watch, S3 = s3 };
    }

    /// <summary>The rules between options, each a usage error of one line; only the first broken one is reported.</summary>
    private void Check(CommandResult command)
    {
        if (command.GetValue(_version) || command.GetResult(Root.Options.OfType<HelpOption>().Single()) is not null)
        {
            return;
        }
        string? problem;
        try
        {
            problem = FirstBrokenRule(command);
        }
        catch (InvalidOperationException)
        {
            // A value that did not parse (an option given without its value) has an error of its own, reported instead.
            return;
        }
        if (problem is not null)
        {
            command.AddError(problem);
        }
    }

    private string? FirstBrokenRule(CommandResult command)
    {
        string? origin = command.GetValue(_origin);
        string[] replicaWords = command.GetValue(_replicas) ?? [];
        if (command.GetValue(_serve))
        {
            return origin is not null ? "--serve takes no paths: the ssh client names the database, and --allow the directories it may be in"
                : command.GetValue(_allow) is not { Length: > 0 } ? "--serve needs at least one --allow DIR"
                : command.GetValue(_readOnly) && command.GetValue(_writeOnly) ? "give --read-only or --write-only, not both"
                : command.GetValue(_allowDelete)
                    && command.GetValue(_readOnly) ? "--allow-delete lets a key delete replicas it pushes to; a --read-only key pushes nothing"
                : command.GetValue(_allowDelete)
                    && command.GetValue(_appendOnly) ? "--allow-delete lets a key delete; an --append-only key deletes nothing: give one"
                : null;
        }
        if (Given(command, _allow, _readOnly, _writeOnly, _allowDelete, _appendOnly) is not null)
        {
            return "--allow, --read-only, --write-only, --allow-delete and --append-only go with --serve";
        }
        if (command.GetValue(_makeKey) is { } keyFile)
        {
            return origin is not null || command.Children.OfType<OptionResult>().Count(option => !option.Implicit) > 1
                ? "--make-key FILE writes a key and does nothing else: give it alone" : keyFile.Length == 0 ? "--make-key needs a file name" : null;
        }
        var keep = Given(command, _keepLast, _keepDaily, _keepWeekly, _keepMonthly);
        if (keep is not null && !command.GetValue(_prune))
        {
            return $"{keep.Name} says which snapshots --prune keeps: give it with --prune ARCHIVE";
        }
        if (Given(command, _s3Endpoint) is not null && !new[] { origin }.Concat(replicaWords).Any(word => word is not null && S3Storage.IsUrl(word)))
        {
            return "--s3-endpoint is the server of an s3://BUCKET/PREFIX side, and no side is one";
        }
        if (Given(command, _list, _verify, _prune) is { } archiveCommand)
        {
            var other = Given(command, [.. new[] { _list, _verify, _prune }.Where(option => option != archiveCommand)]);
            bool pruning = archiveCommand == _prune;
            return other is not null ? $"give one of --list, --verify and --prune, not {archiveCommand.Name} and {other.Name}"
                : origin is null || replicaWords.Length > 0 ? $"{archiveCommand.Name} takes one path: the archive (sqlrsync {archiveCommand.Name} ARCHIVE)"
                : (archiveCommand == _verify ? Given(command, _archive, _dryRun, _check, _force, _watch)
                    : Given(command, _archive, _at, pruning ? _check : _dryRun, _check, _force, _watch)) is { } notHere
                    ? $"{notHere.Name} is for a sync, not {archiveCommand.Name}"
                : pruning && keep is null ? "--prune needs to know which snapshots to keep: give --keep-last, --keep-daily, --keep-weekly or " +
                    "--keep-monthly N"
                : ParseProblem(origin);
        }
        if (origin is null || replicaWords.Length == 0)
        {
            return origin is null ? "give ORIGIN and REPLICA: sqlrsync ORIGIN REPLICA" : $"give a REPLICA after {origin}: sqlrsync ORIGIN REPLICA";
        }
        Endpoint originEndpoint;
        List<Endpoint> replicas;
        try
        {
            originEndpoint = Endpoint.Parse(origin);
            replicas = [.. replicaWords.Select(Endpoint.Parse)];
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        bool directory = origin.EndsWith('/');
        bool allLocal = !originEndpoint.IsRemote && replicas.All(replica => !replica.IsRemote);
        if (WatchRule(command, originEndpoint, directory) is { } watchProblem)
        {
            return watchProblem;
        }
        return !directory && Given(command, _recursive, _include, _exclude, _delete) is { } directoryOnly
                ? $"{directoryOnly.Name} is for a directory of databases: write ORIGIN_DIR/ with its trailing '/'"
            : directory && replicas.Count > 1 ? $"a directory of databases goes to one REPLICA_DIR, not {replicas.Count}"
            : directory && Given(command,
                _protocol) is not null ? "--protocol speaks to one remote sqlite3_rsync, which syncs one database; give a database, not ORIGIN_DIR/"
            : replicas.Count > 1 && Given(command, _protocol) is not null ? "--protocol speaks to one remote sqlite3_rsync; give one REPLICA"
            : allLocal && Given(command, _port, _ssh, _sshClient, _identity, _knownHosts, _acceptNewHostKey, _exe, _protocol, _noUpload, _uploadDir,
                _timeout) is { } remoteOnly
                ? $"{remoteOnly.Name} is for a remote side, and {origin} and {string.Join(" and ", replicaWords)} are " +
                    $"{(replicas.Count == 1 ? "both" : "all")} local (a remote side is [USER@]HOST:PATH)"
            : RemoteRule(command);
    }

    /// <summary>What --watch takes: a local database as ORIGIN, to keep REPLICA(s) fresh from; --interval and --snapshot-every only with it.</summary>
    private string? WatchRule(CommandResult command, Endpoint origin, bool directory)
    {
        if (!command.GetValue(_watch))
        {
            return Given(command, _interval, _snapshotEvery) is { } watchOnly ? $"{watchOnly.Name} says how --watch syncs: give it with --watch" : null;
        }
        return origin.IsRemote ? "--watch sees the origin's commits on this machine: ORIGIN must be a local database (run sqlrsync --watch on its host)"
            : directory ? "--watch keeps the replicas of one database fresh; give a database, not ORIGIN_DIR/"
            : Given(command, _dryRun, _check, _at, _protocol) is { } notWatch ? $"{notWatch.Name} is for a single sync, not --watch"
            : null;
    }

    /// <summary>The rules of the remote options: each ssh client's own, and what --exe, --no-upload and --upload-dir say together.</summary>
    private string? RemoteRule(CommandResult command)
    {
        bool builtin = command.GetValue(_sshClient) == "builtin";
        string? exe = command.GetValue(_exe);
        bool noUpload = command.GetValue(_noUpload);
        string? uploadDirectory = command.GetValue(_uploadDir);
        if (builtin && Given(command, _ssh) is not null)
        {
            return "--ssh names the program of --ssh-client openssh; --ssh-client builtin takes --identity, --known-hosts and -p instead";
        }
        if (!builtin && Given(command, _identity, _knownHosts, _acceptNewHostKey) is not null)
        {
            return "--identity, --known-hosts and --accept-new-host-key go with --ssh-client builtin; for ssh, put them in --ssh or ~/.ssh/config";
        }
        if (!builtin)
        {
            try
            {
                // Defaults are not in place yet while validators run: an --ssh not given is ssh.
                SshCommandWords.Split(command.GetValue(_ssh) ?? "ssh");
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        }
        return exe is not null && noUpload ? "--exe names the remote program, so nothing is copied anyway; give --exe or --no-upload, not both"
            : uploadDirectory is not null && (exe is not null
                || noUpload) ? "--upload-dir says where sqlrsync copies itself to; with --exe or --no-upload it copies nothing"
            : uploadDirectory is not null && (uploadDirectory.Length == 0
                || uploadDirectory.Any(char.IsControl)) ? "--upload-dir needs a directory name, without control characters"
            : null;
    }

    /// <summary>Why <paramref name="text"/> names no endpoint (a malformed HOST:PATH or s3:// URL); null when it names one.</summary>
    private static string? ParseProblem(string text)
    {
        try
        {
            Endpoint.Parse(text);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>The first of <paramref name="options"/> the user gave (not just its default).</summary>
    private static Option? Given(SymbolResult result, params Option[] options) =>
        options.FirstOrDefault(option => result.GetResult(option) is { Implicit: false });

    /// <summary>An --exe that names sqlite3_rsync implies its protocol.</summary>
    private static bool NamesSqlite3Rsync(string? exe) => Path.GetFileName(exe ?? "").StartsWith("sqlite3_rsync", StringComparison.Ordinal);
}
