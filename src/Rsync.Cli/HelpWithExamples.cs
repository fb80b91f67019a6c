using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace SqlRsync.Cli;

/// <summary>
/// The --help text: System.CommandLine's description, arguments and options, with our usage lines
/// (its own would show ORIGIN and REPLICA as optional, which they are only for --version and --serve)
/// and, after them, examples, the exit codes and the essentials a user of the installed program needs
/// (the package ships no docs/ folder).
/// </summary>
internal sealed class HelpWithExamples : SynchronousCommandLineAction
{
    public const string UsageLines = """
        Usage:
          sqlrsync ORIGIN REPLICA [REPLICA...] [options]
          sqlrsync ORIGIN_DIR/ REPLICA_DIR [-r] [--include GLOB] [--exclude GLOB] [options]
          sqlrsync --serve --allow DIR [--read-only|--write-only]    (in authorized_keys: command="...")
        """;

    public const string Epilogue = """
        Examples:
          sqlrsync /srv/app.db /backup/app.db                  copy a live database on this machine
          sqlrsync /srv/app.db backup@vault:/backup/app.db     push a replica to another host over ssh
          sqlrsync web1:/srv/app.db /backup/app.db -v          pull a replica from another host, with a summary

        Exit codes: 0 ok, 1 the sync failed, 2 usage error, 3 the databases differ (--check),
        4 some of several replicas failed (the others hold the snapshot), 130 interrupted (Ctrl+C), 143 stopped (SIGTERM).

        Good to know:
          REPLICA ends as an exact snapshot of ORIGIN, or, when anything fails, exactly as it was.
          ORIGIN is only read; programs may keep writing it, and reading REPLICA, during a sync.
          Beside each replica sqlrsync keeps a record (REPLICA-sqlrsync); a replica that another program
          changed or has open is refused unless --force is given.
          A remote side runs sqlrsync there over ssh; this native sqlrsync copies itself when none is
          installed, and a remote sqlite3_rsync is spoken to in its own protocol.
          A local file name with a ':' in it: write ./NAME.
        """;

    private readonly HelpAction _standard;

    public HelpWithExamples(HelpAction standard) => _standard = standard;

    /// <summary>Writes the help to stdout, with our usage lines in place of the standard one.</summary>
    public static int Show(ParseResult parse)
    {
        var text = new StringWriter();
        int exitCode = parse.Invoke(new InvocationConfiguration { Output = text });
        // System.CommandLine's usage section, up to the blank line after it, gives way to ours.
        string help = text.ToString().ReplaceLineEndings("\n");
        int usage = help.IndexOf("Usage:\n", StringComparison.Ordinal);
        int end = usage < 0 ? -1 : help.IndexOf("\n\n", usage, StringComparison.Ordinal);
        Console.Out.Write(end < 0 ? help : help[..usage] + UsageLines + help[end..]);
        return exitCode;
    }

    public override int Invoke(ParseResult parseResult)
    {
        int exitCode = _standard.Invoke(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(Epilogue);
        return exitCode;
    }
}
