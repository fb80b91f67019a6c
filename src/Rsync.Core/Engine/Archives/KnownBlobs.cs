namespace SqlRsync.Engine.Archives;

/// <summary>
/// The blobs an add may name instead of storing them again: those its parent snapshot's map names and
/// those the add stored itself. An open-addressing table of where each id can be read (a page of the
/// parent's map, or one of the add's changes), at most three quarters full: 5 to 11 bytes a blob,
/// where a set of the ids took about 44. Probing starts at the id's hash code, which .NET seeds at
/// random per process, so pages chosen to collide in the table cannot slow it down. The changes must
/// not be reordered while the table is in use (<see cref="PageChanges.Settle"/> comes after the last page).
/// </summary>
internal sealed class KnownBlobs
{
    private readonly PageMap _parent;
    private readonly PageChanges _changes;
    // 0: empty; p > 0: the blob of the parent's page p; -(c + 1): the blob of change c.
    private int[] _slots;
    private int _count;

    public KnownBlobs(PageMap parent, PageChanges changes)
    {
        _parent = parent;
        _changes = changes;
        _slots = new int[SlotsFor(parent.PageCount)];
        for (uint page = 1; page <= parent.PageCount; page++)
        {
            if (parent.Holds(page))
            {
                Add((int)page);
            }
        }
    }

    /// <summary>Remembers the blob of change <paramref name="change"/>: true when it is new, false when the archive holds it already.</summary>
    public bool AddChange(int change) => Add(-(change + 1));

    private bool Add(int reference)
    {
        var id = IdOf(reference);
        int mask = _slots.Length - 1;
        int slot = id.GetHashCode() & mask;
        while (_slots[slot] != 0)
        {
            if (IdOf(_slots[slot]) == id)
            {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        _slots[slot] = reference;
        if (++_count * 4 > _slots.Length * 3)
        {
            Grow();
        }
        return true;
    }

    private BlobId IdOf(int reference) => reference > 0 ? _parent.Id((uint)reference) : _changes.Id(-reference - 1);

    private void Grow()
    {
        var old = _slots;
        _slots = new int[old.Length * 2];
        _count = 0;
        foreach (int reference in old)
        {
            if (reference != 0)
            {
                Add(reference);
            }
        }
    }

    private static int SlotsFor(uint blobs) => (int)Math.Max(1024, System.Numerics.BitOperations.RoundUpToPowerOf2(blobs * 4 / 3 + 1));
}
