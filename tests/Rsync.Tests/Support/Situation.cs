namespace SqlRsync.Tests.Support;

/// <summary>How an origin differs from its replica in a test, as <see cref="TestDatabase.Change"/> makes it.</summary>
public enum Situation
{
    NewReplica,
    Identical,
    OnePercentChanged,
    ThirtyPercentChanged,
    OriginGrew,
    OriginShrankAfterVacuum,
    Unrelated,
}
