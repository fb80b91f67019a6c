namespace SqlRsync;

/// <summary>The steps of a sync, in order.</summary>
public enum SyncPhase
{
    /// <summary>Connecting: ssh, and the remote side starting.</summary>
    Starting,

    /// <summary>Waiting (up to the busy timeout) for the replica's write lock, which another process holds.</summary>
    Waiting,

    /// <summary>Reading and hashing every page.</summary>
    Hashing,

    /// <summary>Comparing the two hash trees level by level.</summary>
    Comparing,

    /// <summary>Sending (or receiving) the pages that differ.</summary>
    Sending,

    /// <summary>Committing the replica durably.</summary>
    Committing,

    /// <summary>Done.</summary>
    Finished,
}

/// <summary>Where this side of a sync is: reported when a phase starts and about four times a second within one.</summary>
/// <param name="Phase">The current phase.</param>
/// <param name="PagesDone">Pages handled in this phase so far.</param>
/// <param name="PagesTotal">Pages this phase will handle; 0 when it does not count pages.</param>
/// <param name="Bytes">Bytes handled in this phase so far.</param>
/// <param name="PhaseElapsed">Time since this phase began.</param>
public readonly record struct SyncProgress(SyncPhase Phase, long PagesDone, long PagesTotal, long Bytes, TimeSpan PhaseElapsed);
