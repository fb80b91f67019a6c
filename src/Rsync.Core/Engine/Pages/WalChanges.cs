namespace SqlRsync.Engine.Pages;

/// <summary>
/// Which pages a WAL database changed between two read transactions, learned from the WAL frames
/// written between them (<see cref="WalFile"/>), without holding anything in between: it remembers
/// only the generation (salts) and the frames it has accounted for. It answers only what it can
/// prove; when a checkpoint restarted the WAL and frames it never saw may be gone, it says so, and the
/// caller reads every page instead (a rescan).
/// <list type="bullet">
/// <item>Same generation: the frames from the last one accounted for up to the snapshot's last
/// (frames of a generation are never overwritten while it lasts).</item>
/// <item>One restart since (salt-1 one more): the old generation's frames past the last one accounted
/// for, which the new one has not yet overwritten, up to a frame of neither generation (where the old
/// one ended), or to the end of a file whose header is still the old generation's (nothing truncated
/// it); then the new generation's frames. A truncated file (wal_checkpoint(TRUNCATE),
/// journal_size_limit) or a new frame where an old one was cannot be proven, nor can two restarts.</item>
/// <item>No generation at the last call (SQLite rebuilt its WAL index from no WAL: every connection had
/// closed, and the last one checkpointed and deleted it), so the snapshot was the database file: if
/// that file was not written since, no checkpoint moved a commit out of the WAL, and the current
/// generation's frames hold every change.</item>
/// </list>
/// </summary>
internal sealed class WalChanges
{
    private WalSalts? _salts;
    private uint _frames;
    private bool _hadWal;

    /// <summary>
    /// Adds to <paramref name="changed"/> the page of every frame committed since the last call (a
    /// superset is harmless: those pages are hashed again) and remembers where it stands now; false
    /// when it cannot prove it saw every change (the first call, a restart it cannot account for, no
    /// WAL), and <paramref name="changed"/> is then incomplete. <paramref name="databaseUnwritten"/>:
    /// whether the database file provably was not written since the last call.
    /// </summary>
    public bool TryCollect(WalFile? wal, ISet<uint> changed, bool databaseUnwritten)
    {
        var last = _salts;
        uint lastFrames = _frames;
        bool hadWal = _hadWal;
        _salts = wal?.SnapshotSalts;
        _frames = wal?.SnapshotFrames ?? 0;
        _hadWal = wal is not null;
        if (wal is null || !hadWal)
        {
            return false;
        }
        if (last is not { } before)
        {
            return databaseUnwritten && (wal.SnapshotSalts is not { } first || TryCollect(wal, first, 1, wal.SnapshotFrames, changed));
        }
        if (wal.SnapshotSalts is not { } now)
        {
            return false;
        }
        if (now == before)
        {
            return wal.SnapshotFrames >= lastFrames && TryCollect(wal, now, lastFrames + 1, wal.SnapshotFrames, changed);
        }
        return now.Follows(before) && TryCollectEnd(wal, before, lastFrames, now, changed)
            && TryCollect(wal, now, 1, wal.SnapshotFrames, changed);
    }

    /// <summary>The pages of frames <paramref name="first"/> to <paramref name="last"/>, each of generation <paramref name="salts"/>.</summary>
    private static bool TryCollect(WalFile wal, WalSalts salts, uint first, uint last, ISet<uint> changed)
    {
        for (uint index = first; index <= last; index++)
        {
            if (wal.Frame(index) is not { } frame || frame.Salts != salts)
            {
                return false;
            }
            changed.Add(frame.Page);
        }
        return true;
    }

    /// <summary>The pages of the old generation's frames past <paramref name="accounted"/>, up to where it provably ended.</summary>
    private static bool TryCollectEnd(WalFile wal, WalSalts old, uint accounted, WalSalts current, ISet<uint> changed)
    {
        bool headerIsOld = wal.HeaderSalts() == old;
        for (uint index = accounted + 1; ; index++)
        {
            if (index <= wal.SnapshotFrames)
            {
                return false;  // the new generation wrote over it
            }
            if (wal.Frame(index) is not { } frame)
            {
                return headerIsOld;
            }
            if (frame.Salts == current)
            {
                return false;  // a frame of the new generation, past its commits, may have written over one of the old
            }
            if (frame.Salts != old)
            {
                return true;  // an older generation's: the old one never came this far
            }
            changed.Add(frame.Page);
        }
    }
}
