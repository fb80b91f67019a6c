namespace SqlRsync.Ssh;

/// <summary>Which way a restricted key may sync: a read-only key may only pull (serve an origin), a write-only key only push.</summary>
public enum ForcedCommandAccess
{
    /// <summary>Pull and push.</summary>
    Both,

    /// <summary>Pull only: the key serves databases here as origins.</summary>
    ReadOnly,

    /// <summary>Push only: the key writes replicas here.</summary>
    WriteOnly,
}
