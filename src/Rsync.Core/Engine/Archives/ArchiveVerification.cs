namespace SqlRsync.Engine.Archives;

/// <summary>
/// Reads everything the archive's snapshots (or one of them) need and checks it, under the archive's
/// shared lock: every snapshot record and index opens; every snapshot's map is whole and every page it
/// names is in a pack; every such pack hashes to its id, its own header opens, and every needed blob in
/// it opens and hashes to its id. Then each snapshot that needs something damaged is named with its
/// first such page. Problems are collected, not thrown, so one run names all of them. Memory follows
/// the distinct blobs the snapshots need, not the number of snapshots.
/// </summary>
internal static class ArchiveVerification
{
    /// <summary>Problems past this many are counted, not listed.</summary>
    private const int MaxListed = 100;

    /// <summary>Verifies <paramref name="only"/> of <paramref name="archive"/>'s snapshots, or all when it is null.</summary>
    public static VerifyResult Run(SnapshotArchive archive, SnapshotRecord? only, CancellationToken cancellation)
    {
        var problems = new Problems(archive.Location);
        if (archive.Sealer.DictionaryProblem is { } dictionary)
        {
            problems.Add(dictionary);
        }
        var snapshots = only is not null ? [only] : ReadSnapshots(archive, problems);
        var (locations, bytesRead) = ReadIndexes(archive, problems);

        // The blobs each pack must give; blobs that are in no pack are bad from the start.
        var neededFrom = new Dictionary<string, HashSet<BlobId>>();
        var bad = new HashSet<BlobId>();
        foreach (var snapshot in snapshots)
        {
            cancellation.ThrowIfCancellationRequested();
            var map = LoadMap(archive, snapshot, locations, problems);
            foreach (var id in snapshot.Map.Concat(map?.Blobs() ?? []))
            {
                if (!locations.TryGetValue(id, out var location))
                {
                    bad.Add(id);
                }
                else if (!neededFrom.TryGetValue(location.PackKey, out var blobs))
                {
                    neededFrom[location.PackKey] = [id];
                }
                else
                {
                    blobs.Add(id);
                }
            }
        }

        var reader = new BlobReader(archive.Store, archive.Sealer);
        long blobsChecked = 0;
        foreach (var (packKey, blobs) in neededFrom)
        {
            cancellation.ThrowIfCancellationRequested();
            var pack = ReadPack(archive, packKey, problems);
            if (pack is null)
            {
                bad.UnionWith(blobs);
                continue;
            }
            bytesRead += pack.Length;
            if (Pack.IdOf(packKey) != Pack.IdOfBytes(pack))
            {
                problems.Add($"{packKey} is damaged (its bytes do not hash to its name)");
            }
            try
            {
                Pack.ReadHeader(pack, archive.Sealer);
            }
            catch (InvalidDataException e)
            {
                problems.Add($"{packKey}: its header is damaged: {e.Message}");
            }
            foreach (var id in blobs)
            {
                var location = locations[id];
                try
                {
                    if (location.Entry.Offset + (long)location.Entry.Length > pack.Length)
                    {
                        throw new InvalidDataException("it lies past the end of its pack");
                    }
                    int maxLength = location.Entry.Kind == BlobKind.Map ? PageMapChunk.MaxLength : 65536;
                    reader.Open(pack.AsSpan((int)location.Entry.Offset, (int)location.Entry.Length), location, maxLength, checkId: true);
                    blobsChecked++;
                }
                catch (InvalidDataException e)
                {
                    problems.Add($"blob {id} in {packKey} is damaged ({e.Message})");
                    bad.Add(id);
                }
            }
        }

        if (bad.Count > 0)
        {
            NameHarmedSnapshots(archive, snapshots, locations, bad, problems);
        }
        return new VerifyResult(snapshots.Count, neededFrom.Count, blobsChecked, bytesRead, problems.Listed());
    }

    private static List<SnapshotRecord> ReadSnapshots(SnapshotArchive archive, Problems problems)
    {
        var snapshots = new List<SnapshotRecord>();
        foreach (var key in archive.SnapshotKeys())
        {
            try
            {
                snapshots.Add(archive.ReadSnapshot(key));
            }
            catch (SyncException e)
            {
                problems.Add(e.Message);
            }
        }
        return snapshots;
    }

    /// <summary>Where each blob lies, by every index that opens, and the bytes read.</summary>
    private static (Dictionary<BlobId, BlobLocation> Locations, long BytesRead) ReadIndexes(SnapshotArchive archive, Problems problems)
    {
        var locations = new Dictionary<BlobId, BlobLocation>();
        long bytesRead = 0;
        foreach (var index in archive.Store.List(PackIndex.Prefix))
        {
            try
            {
                var bytes = archive.Store.Read(index.Key) ?? throw new InvalidDataException("it went away while it was read");
                bytesRead += bytes.Length;
                foreach (var pack in PackIndex.Read(bytes, archive.Sealer))
                {
                    foreach (var entry in pack.Entries)
                    {
                        locations.TryAdd(entry.Id, new BlobLocation(pack.Key, entry));
                    }
                }
            }
            catch (InvalidDataException e)
            {
                problems.Add($"{index.Key} is damaged: {e.Message}");
            }
        }
        return (locations, bytesRead);
    }

    private static PageMap? LoadMap(SnapshotArchive archive, SnapshotRecord snapshot, Dictionary<BlobId, BlobLocation> locations, Problems problems)
    {
        try
        {
            return PageMap.Load(snapshot, archive.Store, archive.Sealer, locations);
        }
        catch (InvalidDataException e)
        {
            problems.Add($"snapshot {Name(snapshot)}: {e.Message}");
            return null;
        }
    }

    private static byte[]? ReadPack(SnapshotArchive archive, string packKey, Problems problems)
    {
        try
        {
            var pack = archive.Store.Read(packKey);
            if (pack is null)
            {
                problems.Add($"{packKey} is missing");
            }
            return pack;
        }
        catch (IOException e)
        {
            problems.Add($"{packKey} cannot be read ({e.Message})");
            return null;
        }
    }

    /// <summary>Each snapshot that needs a bad blob, with the first page that does and how many do.</summary>
    private static void NameHarmedSnapshots(SnapshotArchive archive, List<SnapshotRecord> snapshots, Dictionary<BlobId, BlobLocation> locations,
        HashSet<BlobId> bad, Problems problems)
    {
        foreach (var snapshot in snapshots)
        {
            if (snapshot.Map.Where(bad.Contains).Select(id => (BlobId?)id).FirstOrDefault() is { } chunk)
            {
                problems.Add($"snapshot {Name(snapshot)} cannot be restored: its page map's part {chunk} is damaged or missing");
                continue;
            }
            PageMap map;
            try
            {
                map = PageMap.Load(snapshot, archive.Store, archive.Sealer, locations);
            }
            catch (InvalidDataException)
            {
                continue;  // named already
            }
            uint first = 0, count = 0;
            for (uint page = 1; page <= map.PageCount; page++)
            {
                if (map.Holds(page) && bad.Contains(map.Id(page)))
                {
                    first = first == 0 ? page : first;
                    count++;
                }
            }
            if (count > 0)
            {
                problems.Add($"snapshot {Name(snapshot)} cannot be restored: page {first}" +
                    $"{(count > 1 ? $" and {count - 1} more pages" : "")} (blob {map.Id(first)}) damaged or missing");
            }
        }
    }

    private static string Name(SnapshotRecord snapshot) => $"{snapshot.Id} ({snapshot.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)";

    /// <summary>Problem lines, each naming the archive; past <see cref="MaxListed"/> only counted.</summary>
    private sealed class Problems(string location)
    {
        private readonly List<string> _lines = [];
        private int _more;

        public void Add(string problem)
        {
            if (_lines.Count < MaxListed)
            {
                _lines.Add(problem.StartsWith("archive ", StringComparison.Ordinal) ? problem : $"archive {location}: {problem}");
            }
            else
            {
                _more++;
            }
        }

        public List<string> Listed() => _more == 0 ? _lines : [.. _lines, $"archive {location}: and {_more} more problems"];
    }
}
