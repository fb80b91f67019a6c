namespace SqlRsync.Engine.Archives;

/// <summary>
/// Reads everything the archive's snapshots need and checks it, under the archive's shared lock:
/// every snapshot record and index opens; every snapshot's map is whole and every page it names is in
/// a pack; every such pack hashes to its id, its own header opens, and every needed blob in it opens
/// and hashes to its id. Problems are collected, not thrown, so one run names all of them.
/// </summary>
internal static class ArchiveVerification
{
    /// <summary>Problems past this many are counted, not listed.</summary>
    private const int MaxListed = 100;

    public static VerifyResult Run(SnapshotArchive archive, CancellationToken cancellation)
    {
        var problems = new Problems(archive.Location);
        long bytesRead = 0;

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

        var locations = new Dictionary<BlobId, BlobLocation>();
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

        // For each pack, the blobs the snapshots need from it, and for each blob the snapshots that need it.
        var neededFrom = new Dictionary<string, Dictionary<BlobId, List<string>>>();
        void Need(BlobId id, SnapshotRecord snapshot)
        {
            if (!locations.TryGetValue(id, out var location))
            {
                problems.Add($"snapshot {snapshot.Id}: blob {id} is in no pack");
                return;
            }
            if (!neededFrom.TryGetValue(location.PackKey, out var blobs))
            {
                neededFrom[location.PackKey] = blobs = [];
            }
            if (!blobs.TryGetValue(id, out var owners))
            {
                blobs[id] = owners = [];
            }
            owners.Add(snapshot.Id);
        }
        foreach (var snapshot in snapshots)
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (var chunk in snapshot.Map)
            {
                Need(chunk, snapshot);
            }
            try
            {
                foreach (var id in PageMap.Load(snapshot, archive.Store, archive.Sealer, locations).Blobs())
                {
                    Need(id, snapshot);
                }
            }
            catch (InvalidDataException e)
            {
                problems.Add($"snapshot {snapshot.Id}: {e.Message}");
            }
        }

        var reader = new BlobReader(archive.Store, archive.Sealer);
        long blobsChecked = 0;
        foreach (var (packKey, blobs) in neededFrom)
        {
            cancellation.ThrowIfCancellationRequested();
            string Harms() => Needing([.. blobs.Values.SelectMany(owners => owners).Distinct()]);
            byte[]? pack;
            try
            {
                pack = archive.Store.Read(packKey);
            }
            catch (IOException e)
            {
                problems.Add($"{packKey} cannot be read ({e.Message}); {Harms()}");
                continue;
            }
            if (pack is null)
            {
                problems.Add($"{packKey} is missing; {Harms()}");
                continue;
            }
            bytesRead += pack.Length;
            if (Pack.IdOf(packKey) != Pack.IdOfBytes(pack))
            {
                problems.Add($"{packKey} is damaged (its bytes do not hash to its name); {Harms()}");
            }
            try
            {
                Pack.ReadHeader(pack, archive.Sealer);
            }
            catch (InvalidDataException e)
            {
                problems.Add($"{packKey}: its header is damaged: {e.Message}");
            }
            foreach (var (id, owners) in blobs)
            {
                var location = locations[id];
                try
                {
                    int maxLength = location.Entry.Kind == BlobKind.Map ? PageMapChunk.MaxLength : 65536;
                    if (location.Entry.Offset + (long)location.Entry.Length > pack.Length)
                    {
                        throw new InvalidDataException("it lies past the end of its pack");
                    }
                    reader.Open(pack.AsSpan((int)location.Entry.Offset, (int)location.Entry.Length), location, maxLength, checkId: true);
                    blobsChecked++;
                }
                catch (InvalidDataException e)
                {
                    problems.Add($"blob {id} in {packKey} is damaged ({e.Message}); {Needing(owners)}");
                }
            }
        }
        return new VerifyResult(snapshots.Count, neededFrom.Count, blobsChecked, bytesRead, problems.Listed());
    }

    /// <summary>"snapshot X needs it", "snapshots X, Y, Z need it" (at most five named).</summary>
    private static string Needing(List<string> snapshots) =>
        snapshots.Count == 1 ? $"snapshot {snapshots[0]} needs it"
            : $"snapshots {string.Join(", ", snapshots.Take(5))}{(snapshots.Count > 5 ? $" and {snapshots.Count - 5} more" : "")} need it";

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
