namespace SqlRsync.Cli;

/// <summary>What the user wants to see of a sync, and whether it is a --check.</summary>
/// <param name="Verbosity">0 no summary, 1 for -v (the summary), 2 for -vv (phases and hashing rates too).</param>
/// <param name="Json">Print one JSON object with every figure on stdout.</param>
/// <param name="Progress">Draw a live progress line on stderr (only ever on a terminal).</param>
/// <param name="Quiet">Hide warnings and progress; errors still print.</param>
/// <param name="Check">Exit 3 when the replica differs from the origin (a dry run).</param>
internal sealed record OutputSettings(int Verbosity, bool Json, bool Progress, bool Quiet, bool Check);
