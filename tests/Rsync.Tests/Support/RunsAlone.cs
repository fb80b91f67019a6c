namespace SqlRsync.Tests.Support;

/// <summary>Test classes in this collection run when no other test runs: what they bound is stretched by a busy machine.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;
