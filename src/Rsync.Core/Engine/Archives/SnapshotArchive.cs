using System.Globalization;
using SqlRsync.Storage;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// An archive of one database's snapshots in an <see cref="ObjectStore"/>: its config, its snapshots
/// (oldest first, by the time in their names) and each snapshot's page map. Opening checks the config
/// and the key; everything read later is checked as it is read, and damage is reported with the
/// archive, the snapshot and the page or object it lies in. docs/archive.md.
/// </summary>
internal sealed class SnapshotArchive : IDisposable
{
    private SnapshotArchive(ObjectStore store, ArchiveConfig config, Sealer sealer, long compareSeed)
    {
        Store = store;
        Config = config;
        Sealer = sealer;
        CompareSeed = compareSeed;
        Cache = ArchiveCache.Open(store.CacheDirectory, config.Id);
    }

    /// <summary>What this machine keeps of the archive to spare requests, where its store has a cache directory.</summary>
    public ArchiveCache? Cache { get; }

    public ObjectStore Store { get; }

    public ArchiveConfig Config { get; }

    public Sealer Sealer { get; }

    /// <summary>The seed of the page hashes every snapshot's map holds, and every comparison with the archive uses.</summary>
    public long CompareSeed { get; }

    public string Location => Store.Location;

    /// <summary>Whether <paramref name="store"/> holds an archive (a config object, damaged or not).</summary>
    public static bool IsIn(ObjectStore store) => Read(store, ArchiveConfig.Key) is not null;

    /// <summary>Opens the archive in <paramref name="store"/>, which must hold one, with <paramref name="key"/> if it is encrypted.</summary>
    /// <exception cref="SyncException">It is no archive, is damaged, or the key is missing, not needed or wrong.</exception>
    public static SnapshotArchive Open(ObjectStore store, ArchiveKey? key) => Open(store, key, Read(store, ArchiveConfig.Key));

    /// <summary>
    /// Opens the archive in <paramref name="store"/> as <see cref="Open(ObjectStore, ArchiveKey?)"/> does, or
    /// null when the store has no config object (one read either way: each is a request to object storage).
    /// </summary>
    /// <exception cref="SyncException">Its config is damaged, or the key is missing, not needed or wrong.</exception>
    public static SnapshotArchive? OpenIfIn(ObjectStore store, ArchiveKey? key) =>
        Read(store, ArchiveConfig.Key) is { } bytes ? Open(store, key, bytes) : null;

    private static SnapshotArchive Open(ObjectStore store, ArchiveKey? key, byte[]? bytes)
    {
        var config = (bytes is null ? null : ArchiveConfig.Parse(bytes))
            ?? throw new SyncException(SyncFailure.NotADatabase, $"{store.Location} is not an sqlrsync archive (it has no valid config)");
        if (!config.Encrypted)
        {
            return key is null ? WithDictionary(new SnapshotArchive(store, config, Sealer.Plain(), config.CompareSeed))
                : throw new SyncException(SyncFailure.Incompatible,
                    $"archive {store.Location} is not encrypted, but an encryption key was given: leave out --encryption-key");
        }
        if (key is null)
        {
            throw new SyncException(SyncFailure.Incompatible, $"archive {store.Location} is encrypted: give its key with --encryption-key FILE");
        }
        if (key.Check(config.Id) != config.KeyCheck)
        {
            throw new SyncException(SyncFailure.Refused, $"archive {store.Location} is encrypted with another key than the one given");
        }
        return WithDictionary(new SnapshotArchive(store, config, Sealer.Encrypted(key, config.Id), key.CompareSeed(config.Id)));
    }

    /// <summary>
    /// The archive, its sealer set to read the archive's dictionary, if it has one, when first needed. A
    /// dictionary that does not open (damaged, or planted by a key that may only add) does not keep the
    /// archive from being used: adds go on without one, and only the pages compressed with it fail, each
    /// naming the cause.
    /// </summary>
    private static SnapshotArchive WithDictionary(SnapshotArchive archive)
    {
        archive.Sealer.LoadDictionaryWhenNeeded(() =>
        {
            try
            {
                archive.Sealer.Dictionary = CompressionDictionary.Read(archive.Store, archive.Sealer);
            }
            catch (InvalidDataException e)
            {
                archive.Sealer.DictionaryProblem = $"its dictionary ({CompressionDictionary.Key}) is damaged: {e.Message}";
            }
            catch (IOException e)
            {
                throw new SyncException(SyncFailure.Access,
                    $"archive {archive.Location}: its dictionary ({CompressionDictionary.Key}) is unreadable: {e.Message}", e);
            }
        });
        return archive;
    }

    /// <summary>Makes a new archive in an empty <paramref name="store"/>, encrypted with <paramref name="key"/> if given.</summary>
    /// <exception cref="SyncException">The store is not empty, or cannot be written.</exception>
    public static SnapshotArchive Create(ObjectStore store, ArchiveKey? key)
    {
        var config = ArchiveConfig.New(key).ToBytes();
        try
        {
            if (store.List("").Count > 0 || !store.Create(ArchiveConfig.Key, config))
            {
                throw new SyncException(SyncFailure.Refused, $"{store.Location} is not empty, so no archive is made there: choose a new directory");
            }
        }
        catch (IOException e)
        {
            throw new SyncException(SyncFailure.Access, $"cannot make an archive in {store.Location}: {e.Message}", e);
        }
        // Opened from the bytes just written durably: reading them back would be one more request.
        return Open(store, key, config);
    }

    /// <summary>The names of the snapshots (their object keys), oldest first.</summary>
    public IReadOnlyList<string> SnapshotKeys() =>
        [.. Store.List(SnapshotRecord.Prefix).Select(stored => stored.Key).Where(name => SnapshotRecord.ParseKey(name) is not null)];

    /// <summary>Every snapshot, oldest first.</summary>
    public IReadOnlyList<SnapshotRecord> Snapshots() => [.. SnapshotKeys().Select(ReadSnapshot)];

    /// <summary>The newest snapshot, or null when there is none.</summary>
    public SnapshotRecord? Latest() => SnapshotKeys() is { Count: > 0 } keys ? ReadSnapshot(keys[^1]) : null;

    /// <summary>The snapshot <paramref name="at"/> names (<see cref="SnapshotSelector"/>).</summary>
    /// <exception cref="SyncException">No snapshot, or more than one, answers to it.</exception>
    /// <exception cref="ArgumentException"><paramref name="at"/> names no snapshot in any archive.</exception>
    public SnapshotRecord Find(string? at)
    {
        var selector = SnapshotSelector.Parse(at) ?? throw new ArgumentException(SnapshotSelector.Problem(at!), nameof(at));
        var keys = SnapshotKeys();
        if (keys.Count == 0)
        {
            throw new SyncException(SyncFailure.NotFound, $"archive {Location} has no snapshot yet");
        }
        if (selector.IsLatest)
        {
            return ReadSnapshot(keys[^1]);
        }
        var named = keys.Select(key => (Key: key, Name: SnapshotRecord.ParseKey(key)!.Value)).ToList();
        if (selector.IdPrefix is { } prefix)
        {
            var matches = named.Where(snapshot => snapshot.Name.Id.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            return matches.Count switch
            {
                1 => ReadSnapshot(matches[0].Key),
                0 => throw new SyncException(SyncFailure.NotFound, $"archive {Location} has no snapshot {prefix} (sqlrsync --list shows them)"),
                _ => throw new SyncException(SyncFailure.NotFound, $"{matches.Count} snapshots of archive {Location} start with {prefix}: give more digits"),
            };
        }
        var time = selector.Time!.Value;
        var before = named.LastOrDefault(snapshot => snapshot.Name.Time <= time);
        return before.Key is null
            ? throw new SyncException(SyncFailure.NotFound,
                $"archive {Location} has no snapshot taken at or before {time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC " +
                $"(its first is from {named[0].Name.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC)")
            : ReadSnapshot(before.Key);
    }

    /// <summary>
    /// The snapshot a new one is compared with: the newest this machine added (named by its cache: one
    /// read and no listing, and if another machine added one since, the new snapshot is still whole, only
    /// compared with an older one), else the newest listed; null when there is none.
    /// </summary>
    /// <exception cref="SyncException">It is damaged.</exception>
    public SnapshotRecord? ParentOfNext()
    {
        var hint = Cache?.NewestSnapshotKey;
        return hint is not null && Read(Store, hint) is { } stored ? Parse(hint, stored) : Latest();
    }

    /// <summary>The page map of <paramref name="snapshot"/>; through the cache, where there is one, when <paramref name="cached"/>.</summary>
    /// <exception cref="SyncException">It is damaged.</exception>
    public PageMap MapOf(SnapshotRecord snapshot, bool cached = false)
    {
        try
        {
            return PageMap.Load(snapshot, Store, Sealer, cache: cached ? Cache : null);
        }
        catch (InvalidDataException e)
        {
            throw Damaged(snapshot, e.Message, e);
        }
    }

    /// <summary>A snapshot record.</summary>
    /// <exception cref="SyncException">It is gone or damaged.</exception>
    public SnapshotRecord ReadSnapshot(string key)
    {
        var stored = Read(Store, key) ?? throw new SyncException(SyncFailure.NotFound, $"archive {Location}: snapshot {key} is gone");
        return Parse(key, stored);
    }

    /// <exception cref="SyncException">The record is damaged.</exception>
    private SnapshotRecord Parse(string key, byte[] stored)
    {
        try
        {
            return SnapshotRecord.Parse(key, Sealer.Open(stored, System.Text.Encoding.ASCII.GetBytes(key), SnapshotRecord.MaxPlainLength));
        }
        catch (InvalidDataException e)
        {
            throw new SyncException(SyncFailure.Damaged, $"archive {Location}: snapshot {key} is damaged: {e.Message}", e);
        }
    }

    public SyncException Damaged(SnapshotRecord snapshot, string what, Exception? inner = null) =>
        new(SyncFailure.Damaged, $"archive {Location}: snapshot {snapshot.Id} ({snapshot.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC) is damaged: {what}",
            inner);

    public void Dispose()
    {
        Sealer.Dispose();
        Store.Dispose();
    }

    private static byte[]? Read(ObjectStore store, string key)
    {
        try
        {
            return store.Read(key);
        }
        catch (IOException e)
        {
            throw new SyncException(SyncFailure.Access, $"cannot read {key} of {store.Location}: {e.Message}", e);
        }
    }
}
