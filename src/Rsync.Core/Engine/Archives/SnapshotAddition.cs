using SqlRsync.Engine.Compression;
using SqlRsync.Engine.Pages;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// One snapshot being added: the pages that differ from the parent (the newest snapshot) arrive, each
/// is named by its blob id and stored once (a page the parent or this snapshot already holds, at any
/// page number, is not stored again) in packs, each written durably once full, and an index of them
/// every 25,000 blobs or so. <see cref="Commit"/> writes, in this order and each durably, the
/// map's new chunks (in the last packs), the index of the packs not listed yet, and last the snapshot
/// record. Until that record exists the snapshot does not; whatever an interruption leaves before it is
/// garbage that no snapshot names, which prune removes. Memory: the parent's map, the changes (52 bytes
/// a page), a table of known blobs (5 to 11 bytes each), one pack and one map chunk being written.
/// </summary>
internal sealed class SnapshotAddition
{
    /// <summary>A new full part is written once the chain's change entries would pass this share of the pages (keeping reads of a map bounded).</summary>
    private const double MaxChangeShare = 0.5;

    /// <summary>...or once the chain would have this many chunks after its full part.</summary>
    private const int MaxChainChunks = 128;

    /// <summary>An index is written once the packs written since the last one list this many blobs, so that none waits in memory for the commit.</summary>
    private const int IndexEvery = PackIndex.MostPerIndex / 2 / PackEntry.Size;

    private readonly SnapshotArchive _archive;
    private readonly UnlockedAdd? _unlocked;  // set where the add holds no lock: checked before each write
    private readonly SnapshotRecord? _parent;
    private readonly PageMap _parentMap;
    private readonly PageChanges _changes = new();
    private KnownBlobs? _known;  // let go at the commit, which needs its memory more
    private readonly PackWriter _packs;
    private readonly uint _lockBytePage;
    private readonly AdaptiveCompression _compression;
    private readonly List<string> _createdIndexes = [];
    private long _indexBytes;
    private string? _recordKey;
    // The new pages held back, plain, until a dictionary is trained on them (null once it is, or when the archive has one);
    // decided at the first new page, since asking whether the archive has one may be a request.
    private List<(BlobId Id, byte[] Plain)>? _training;
    private bool _trainingDecided;
    private bool _createdDictionary;

    /// <summary>
    /// Starts a snapshot of pages of <paramref name="pageSize"/> bytes after <paramref name="parent"/>
    /// (null for the first, or when the page size changed: then every page must come).
    /// </summary>
    public SnapshotAddition(SnapshotArchive archive, SnapshotRecord? parent, PageMap parentMap, int pageSize, UnlockedAdd? unlocked = null)
    {
        _archive = archive;
        _unlocked = unlocked;
        _parent = parent;
        _parentMap = parentMap;
        PageSize = pageSize;
        _lockBytePage = LockBytePage.For(pageSize);
        _known = new KnownBlobs(parentMap, _changes);
        _compression = new AdaptiveCompression(enabled: true);
        _packs = new PackWriter(archive.Store, archive.Sealer);
    }

    public int PageSize { get; }

    /// <summary>Pages stored by this snapshot (not found in the archive already).</summary>
    public long PagesStored { get; private set; }

    /// <summary>Takes one page of the new snapshot (any page the parent's map does not hold as it is).</summary>
    /// <exception cref="IOException">A pack cannot be written.</exception>
    public void AddPage(uint pageNumber, ReadOnlySpan<byte> data)
    {
        var id = _archive.Sealer.IdOf(data);
        _changes.Add(pageNumber, PageHasher.Hash(pageNumber, data, _lockBytePage, _archive.CompareSeed), id);
        if (!_known!.AddChange(_changes.Count - 1))
        {
            return;
        }
        PagesStored++;
        if (!_trainingDecided)
        {
            // Trained only where there is none: a damaged one stays (a prune cannot tell it from a good one), and pages go without.
            _training = _archive.Sealer.Dictionary is null && _archive.Sealer.DictionaryProblem is null ? [] : null;
            _trainingDecided = true;
        }
        if (_training is null)
        {
            Store(id, data);
            return;
        }
        _training.Add((id, data.ToArray()));
        if ((long)_training.Count * data.Length >= CompressionDictionary.SampleBytes)
        {
            TrainThenStore();
        }
    }

    /// <summary>
    /// Trains the archive's dictionary on the pages held back, if they teach one (writing it before
    /// any pack that uses it), then stores them.
    /// </summary>
    private void TrainThenStore()
    {
        var held = _training!;
        _training = null;
        var dictionary = CompressionDictionary.Train([.. held.Select(page => page.Plain)]);
        if (dictionary is not null)
        {
            _createdDictionary = dictionary.Write(_archive.Store, _archive.Sealer);
            if (_createdDictionary)
            {
                _archive.Sealer.Dictionary = dictionary;
            }
            else
            {
                dictionary.Dispose();
            }
        }
        foreach (var (id, plain) in held)
        {
            Store(id, plain);
        }
    }

    /// <summary>Seals a new page into the packs, and writes an index once enough packs wait for one.</summary>
    private void Store(BlobId id, ReadOnlySpan<byte> data)
    {
        // Pages of random or encrypted data do not shrink: compression pauses after a run of them, as on the wire.
        _unlocked?.Check(Written);
        bool compress = _compression.ShouldTry();
        Span<byte> context = stackalloc byte[BlobReader.ContextLength];
        BlobReader.WriteContext(BlobKind.Page, id, context);
        var stored = _archive.Sealer.Seal(data, context, compress);
        if (compress)
        {
            _compression.Record(data.Length, stored.Length);
        }
        _packs.Add(BlobKind.Page, id, stored);
        if (_packs.EntriesWaiting >= IndexEvery)
        {
            WriteIndexes(_packs.TakeWritten());
        }
    }

    /// <summary>
    /// Writes the snapshot of a database <paramref name="database"/> (its file name) of
    /// <paramref name="pageCount"/> pages: everything not written yet, then its record. The record.
    /// </summary>
    /// <exception cref="IOException">Something cannot be written: the archive holds no new snapshot.</exception>
    public SnapshotRecord Commit(string database, uint pageCount, bool isWal, UnixFileMode fileMode, DateTimeOffset time)
    {
        if (_training is not null)
        {
            TrainThenStore();
        }
        _known = null;
        _changes.Settle(pageCount);
        bool fromParent = _parent is not null && _parent.PageSize == PageSize && _parent.PageCount > 0;
        bool writeFull = !fromParent || _parentMap.ChangeEntries + _changes.Count > MaxChangeShare * pageCount
            || _parent!.Map.Count - _parent.FullChunks + (_changes.Count + PageMapChunk.WrittenEntries - 1) / PageMapChunk.WrittenEntries > MaxChainChunks;
        var chain = writeFull ? [] : new List<BlobId>(_parent!.Map);
        WriteMap(pageCount, writeFull, chain);
        WriteIndexes(_packs.Finish());
        // The record is lines of text: a control character in a file name (Linux allows a newline) becomes '?'.
        database = string.Concat(database.Select(c => char.IsControl(c) ? '?' : c));
        long bytes = _packs.BytesWritten + _indexBytes;
        var record = new SnapshotRecord(SnapshotRecord.NewId(), Truncate(time), database, PageSize, pageCount, isWal, fileMode, _parent?.Id,
            writeFull ? chain.Count : _parent!.FullChunks, chain, PagesStored, bytes);
        // The bytes added count the record itself, whose length grows with the digits of that count (it
        // is stored uncompressed, so this settles in a step or two).
        byte[] sealedRecord;
        while (true)
        {
            sealedRecord = _archive.Sealer.Seal(record.ToPlainBytes(), System.Text.Encoding.ASCII.GetBytes(record.Key), compress: false);
            if (record.BytesAdded == bytes + sealedRecord.Length)
            {
                break;
            }
            record = record with { BytesAdded = bytes + sealedRecord.Length };
        }
        _unlocked?.Check(Written);
        _recordKey = record.Key;
        _archive.Store.CreateUnique(record.Key, sealedRecord);
        Committed = true;
        // The next add on this machine starts from this snapshot without listing, and finds its map here.
        if (_archive.Cache is { } cache)
        {
            cache.KeepOnly(record.Map);
            cache.NewestSnapshotKey = record.Key;
        }
        return record;
    }

    /// <summary>
    /// The packs this addition wrote so far: what it relies on staying. Not its indexes: a prune may replace them with
    /// one that lists the same packs, which stay (condemned at most) until the grace has passed.
    /// </summary>
    private IEnumerable<string> Written() => _packs.Created;

    /// <summary>
    /// One pass over the new snapshot's pages, each taken from the changes or else from the parent's
    /// map, checking that every page has an entry; writes the map's new chunks into the packs and adds
    /// them to <paramref name="chain"/>: every page's entry for a full map, else only the changes.
    /// </summary>
    private void WriteMap(uint pageCount, bool writeFull, List<BlobId> chain)
    {
        var chunk = new PageMapChunk.Builder();
        int next = 0;
        for (uint page = 1; page <= pageCount; page++)
        {
            PageMapEntry entry;
            bool changed = next < _changes.Count && _changes.Page(next) == page;
            if (changed)
            {
                entry = _changes[next++];
            }
            else if (_parentMap.Holds(page))
            {
                entry = new PageMapEntry(page, _parentMap.Leaf(page), _parentMap.Id(page));
            }
            else if (page == _lockBytePage)
            {
                continue;
            }
            else
            {
                throw new SyncException(SyncFailure.Protocol, $"the origin ended its snapshot without page {page}; no snapshot was added");
            }
            if (changed || writeFull)
            {
                chunk.Add(entry);
                if (chunk.IsFull)
                {
                    chain.Add(WriteMapChunk(chunk));
                }
            }
        }
        if (chunk.Count > 0)
        {
            chain.Add(WriteMapChunk(chunk));
        }
    }

    /// <summary>Stores a chunk of the map (uncompressed: hashes do not shrink) and empties the builder; the chunk's blob id.</summary>
    private BlobId WriteMapChunk(PageMapChunk.Builder chunk)
    {
        var id = _archive.Sealer.IdOf(chunk.Bytes);
        _archive.Cache?.KeepMapChunk(id, chunk.Bytes);
        _packs.Add(BlobKind.Map, id, _archive.Sealer.Seal(chunk.Bytes, BlobReader.ContextOf(BlobKind.Map, id), compress: false));
        chunk.Clear();
        return id;
    }

    /// <summary>Writes the index objects of <paramref name="packs"/>, written already, each durably.</summary>
    private void WriteIndexes(IReadOnlyList<PackRecord> packs)
    {
        foreach (var (index, created) in PackIndex.Write(_archive.Store, _archive.Sealer, packs))
        {
            if (created)
            {
                _createdIndexes.Add(index.Key);
            }
            _indexBytes += index.Size;
        }
    }

    /// <summary>The snapshot's record is written: the snapshot exists.</summary>
    public bool Committed { get; private set; }

    /// <summary>
    /// After a failure before the record: removes the index and the packs this addition created, as far
    /// as the store lets it (on a full disk, deleting still works), so that the archive is as it was.
    /// What cannot be removed (through a key that may not delete) stays as garbage, which no snapshot
    /// names and prune removes.
    /// </summary>
    public void Abandon()
    {
        // Without a lock another add may have written an object of the same bytes at the same time, which is then
        // this one's too: what a failed add leaves there is for a prune to remove, once the grace shows no one needs it.
        if (Committed || !_archive.Store.MayDelete || _unlocked is not null)
        {
            return;
        }
        try
        {
            // A record that was linked into place before its write failed (the directory's fsync) names
            // everything: then the snapshot exists, and nothing of it may go.
            if (_recordKey is not null && _archive.Store.Read(_recordKey) is not null)
            {
                return;
            }
            // The index first: it must never list a pack that is gone while it stays.
            foreach (var index in _createdIndexes)
            {
                _archive.Store.Delete(index);
            }
            foreach (var key in _packs.Created)
            {
                _archive.Store.Delete(key);
            }
            // Last: no pack of this add is left to need it.
            if (_createdDictionary)
            {
                _archive.Store.Delete(CompressionDictionary.Key);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SyncException)
        {
            // The store out of reach while cleaning up (a server that stopped): what stays is garbage no snapshot names, which
            // prune removes, and the failure that ended the add is the one to report.
        }
    }

    /// <summary>Times are kept to the millisecond, as the record's name holds them.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
