namespace SqlRsync.Engine.Archives;

/// <summary>
/// The pages a snapshot being added changed (every page, for a first snapshot): each one's number,
/// compare hash and blob id, in blocks of arrays that are filled as pages come. 52 bytes a page, never
/// copied while it grows: a list of entry structs took 64 (their alignment), and doubling it to grow
/// held up to three times that for a moment.
/// </summary>
internal sealed class PageChanges
{
    private const int BlockShift = 13;
    private const int BlockLength = 1 << BlockShift;

    private List<Block> _blocks = [];
    private bool _ascending = true;

    public int Count { get; private set; }

    public uint Page(int change) => _blocks[change >> BlockShift].Pages[change & (BlockLength - 1)];

    public UInt128 Leaf(int change) => _blocks[change >> BlockShift].Leaves[change & (BlockLength - 1)];

    public BlobId Id(int change) => _blocks[change >> BlockShift].Ids[change & (BlockLength - 1)];

    public PageMapEntry this[int change] => new(Page(change), Leaf(change), Id(change));

    public void Add(uint page, UInt128 leaf, BlobId id)
    {
        _ascending &= Count == 0 || Page(Count - 1) < page;
        int at = Count & (BlockLength - 1);
        if (at == 0)
        {
            _blocks.Add(new Block());
        }
        var block = _blocks[^1];
        block.Pages[at] = page;
        block.Leaves[at] = leaf;
        block.Ids[at] = id;
        Count++;
    }

    /// <summary>
    /// Puts the changes in page order, a page that came twice keeping the version that came last, and
    /// drops those past <paramref name="pageCount"/>. Pages come in order, each once, unless the origin
    /// sent some as block deltas after others: only then are they copied.
    /// </summary>
    public void Settle(uint pageCount)
    {
        if (!_ascending)
        {
            // Sorted by page, then by arrival: the last of equal pages is the one to keep.
            var order = Enumerable.Range(0, Count).OrderBy(Page).ThenBy(change => change).ToArray();
            var settled = new PageChanges();
            for (int i = 0; i < order.Length; i++)
            {
                if (i + 1 < order.Length && Page(order[i + 1]) == Page(order[i]))
                {
                    continue;
                }
                settled.Add(Page(order[i]), Leaf(order[i]), Id(order[i]));
            }
            _blocks = settled._blocks;
            Count = settled.Count;
            _ascending = true;
        }
        while (Count > 0 && Page(Count - 1) > pageCount)
        {
            Count--;
        }
    }

    private sealed class Block
    {
        public readonly uint[] Pages = new uint[BlockLength];
        public readonly UInt128[] Leaves = new UInt128[BlockLength];
        public readonly BlobId[] Ids = new BlobId[BlockLength];
    }
}
