namespace SqlRsync.Ssh;

/// <summary>
/// How either ssh transport finds or brings sqlrsync's agent on the remote host, and watches it:
/// what <see cref="OpenSshOptions"/> and <see cref="SshNetConnection"/> share.
/// </summary>
public sealed record RemoteAgentOptions
{
    /// <summary>
    /// The sqlrsync program to run on the remote host. Null, the default: a sqlrsync of this protocol
    /// installed there (on PATH, ~/.dotnet/tools or /usr/local/bin), or one cached or brought along.
    /// </summary>
    public string? RemoteProgram { get; init; }

    /// <summary>
    /// Whether a native sqlrsync may copy itself to a host that has none of its protocol, into an
    /// upload directory there (<see cref="UploadDirectory"/>; checked by SHA-256 before it runs). Default true.
    /// </summary>
    public bool AllowUpload { get; init; } = true;

    /// <summary>
    /// The directory on the remote host where a native sqlrsync keeps the copy it brings: the user's
    /// own (made 0700), where programs may run. Null, the default: ~/.cache/sqlrsync, or where that is
    /// mounted noexec, /var/tmp/sqlrsync-UID, then /tmp/sqlrsync-UID.
    /// </summary>
    public string? UploadDirectory { get; init; }

    /// <summary>Receives a line when sqlrsync was copied to the host; null drops it.</summary>
    public Action<string>? Notices { get; init; }

    /// <summary>Give up when the remote side stays silent this long. Default 120 s.</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Ask the remote agent for no warnings.</summary>
    public bool Quiet { get; init; }

    /// <summary>Receives each line the remote side prints on stderr (warnings, ssh's own messages), prefixed with the host; null drops them.</summary>
    public Action<string>? RemoteMessages { get; init; }
}
