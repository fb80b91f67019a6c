
namespace SqlRsync.Engine.Pages;

/// <summary>
/// A replica whose page size differs from the origin's (the origin ran PRAGMA page_size and VACUUM):
/// pages of one size cannot be written into a file of another, so the replica is rebuilt whole beside
/// the old file and renamed over it at the commit, the old file's write lock held throughout (another
/// sync into it waits). Readers that have the old file open keep it, consistent, until they reopen;
/// new readers see the new one; a failure leaves the old one as it was. The old content's digest is
/// taken first, for the guard and the record.
/// </summary>
internal sealed class ReplicaReplacement : IPageWriter, IDisposable
{
    private readonly PageSink _old;
    private readonly NewReplicaFile _new;

    private ReplicaReplacement(PageSink old, NewReplicaFile replacement, string oldContent)
    {
        _old = old;
        _new = replacement;
        OldContent = oldContent;
    }

    /// <summary>The replaced file's page size and page count.</summary>
    public int OldPageSize => _old.PageSize;

    public uint OldPageCount => _old.PageCount;

    /// <summary>The digest of the replaced file's content (<see cref="ContentDigest"/>).</summary>
    public string OldContent { get; }

    public int PageSize => _new.PageSize;

    public UnixFileMode FileMode => _new.FileMode;

    /// <summary>Takes over <paramref name="old"/> (open, holding its write lock) to replace it with a file of <paramref name="pageSize"/> bytes a
    /// page.</summary>
    public static ReplicaReplacement Start(PageSink old, int pageSize)
    {
        string content = ContentDigest.Of(old, old.PageSize);
        return new ReplicaReplacement(old, NewReplicaFile.Replacing(old.Path, pageSize), content);
    }

    public UInt128 WritePage(uint pageNumber, ReadOnlySpan<byte> data) => _new.WritePage(pageNumber, data);

    public void Commit(uint pageCount)
    {
        _new.Commit(pageCount);
        // The old file's connection must not checkpoint or delete "REPLICA-wal" when it closes: that
        // name may already be the new file's.
        _old.KeepWalOnClose();
    }

    public void Dispose()
    {
        _new.Dispose();
        _old.Dispose();
    }
}
