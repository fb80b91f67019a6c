using System.CommandLine.Parsing;
using SqlRsync.Ssh;

namespace SqlRsync.Cli;

/// <summary>
/// The sqlrsync command line. Exit codes: 0 success, 1 the sync failed, 2 a usage error, 3 the
/// databases differ (under --check), 4 some of several replicas failed (the others synced), 130
/// interrupted by Ctrl+C, 143 stopped by SIGTERM. Every message goes to stderr as one line; nothing prints a
/// stack trace. Only --json, --list and --version write to stdout.
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
                : Usage($"agent mode takes --origin|--replica PATH [--busy-timeout N] [-q] [--cycles], or sqlite3_rsync's --origin|--replica [--wal-only] " +
                    $"ORIGIN REPLICA; not \"{string.Join(' ', args)}\"");
        }
        if (args.FirstOrDefault(AgentRequest.IsRoleArgument) is { } agentMode)
        {
            return Usage($"{agentMode} is an agent mode for ssh to start; it comes first, and a sync needs none (sqlrsync ORIGIN REPLICA)");
        }
        var commandLine = new CommandLine();
        if (OptionSpelling.Normalize(args, commandLine.Root.Options, out string? misspelled) is not { } words)
        {
            return Usage(misspelled!);
        }
        var parse = commandLine.Root.Parse(words);
        if (parse.UnmatchedTokens.Count > 0)
        {
            return Usage($"{parse.UnmatchedTokens[0]}: one ORIGIN and one REPLICA, no more (quote a path that has spaces)");
        }
        if (parse.Errors.Count > 0)
        {
            return Usage(parse.Errors[0].SymbolResult is OptionResult { Tokens.Count: 0 } missing
                ? $"{missing.Option.Name} needs a value" : parse.Errors[0].Message);
        }
        if (commandLine.AsksForVersion(parse))
        {
            Console.Out.WriteLine(VersionReport.Text());
            return Success;
        }
        if (parse.Action is HelpWithExamples)
        {
            return HelpWithExamples.Show(parse);
        }
        try
        {
            return commandLine.ToRequest(parse) switch
            {
                ServeRequest serve => Outcome(() => ForcedCommand.Serve(Environment.GetEnvironmentVariable("SSH_ORIGINAL_COMMAND"), serve.Rules)),
                MakeKeyRequest makeKey => Outcome(() => SnapshotArchives.MakeKey(makeKey.Path)),
                ArchiveRequest archive => ArchiveCommands.Run(archive),
                var sync => SyncRunner.Run((SyncRequest)sync),
            };
        }
        catch (ArgumentException e)
        {
            // What the library refuses before anything starts (both sides remote, the same file twice) is a usage error too.
            return Usage(MessageOf(e));
        }
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
    private static string MessageOf(ArgumentException e) =>
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
    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\n', '\r', '\t'],
        StringSplitOptions.RemoveEmptyEntries).Select(part => part.Trim()));
}
