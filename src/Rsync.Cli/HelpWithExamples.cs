using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace SqlRsync.Cli;

/// <summary>The standard --help text followed by examples and the exit codes.</summary>
internal sealed class HelpWithExamples(HelpAction standard) : SynchronousCommandLineAction
{
    public const string Epilogue = """
        Examples:
          sqlrsync /srv/app.db /backup/app.db                  copy a live database on this machine
          sqlrsync /srv/app.db backup@vault:/backup/app.db     push a replica to another host over ssh
          sqlrsync web1:/srv/app.db /backup/app.db -v          pull a replica from another host, with a summary

        Exit codes: 0 ok, 1 the sync failed, 2 usage error, 3 the databases differ (--check).
        More: docs/usage.md and docs/operations.md.
        """;

    public override int Invoke(ParseResult parseResult)
    {
        int exitCode = standard.Invoke(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(Epilogue);
        return exitCode;
    }
}
