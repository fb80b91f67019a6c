namespace SqlRsync.Engine.Archives;

/// <summary>
/// Removes the snapshots a <see cref="SnapshotRetention"/> does not keep, and the storage only they
/// needed, under the archive's exclusive lock. Nothing is deleted before what replaces it is durable,
/// so an interruption at any point leaves every kept snapshot whole (docs/archive.md, "Pruning"):
/// first the packs rewritten with the needed blobs of mostly unneeded packs, then indexes listing every
/// pack that stays (one, or several for a large archive), then the removed snapshots' records, then the
/// older indexes, and last the packs no index lists and the temporary files of interrupted writes
/// (which also removes what an interrupted add or prune left behind). Where adds go without the lock
/// (<see cref="Storage.ObjectStore.PruneGrace"/>), an unneeded pack is only condemned (<see cref="CondemnedPacks"/>)
/// and stays listed; a later prune deletes it once it has been unneeded for the whole grace.
/// </summary>
internal static class ArchivePruning
{
    /// <summary>A pack whose still-needed blobs take less than this share of it is rewritten; a pack with more stays whole.</summary>
    private const double RewriteBelow = 0.5;

    /// <exception cref="SyncException">A snapshot that stays needs a blob no pack holds, or an object is damaged: nothing is deleted.</exception>
    /// <exception cref="IOException">The store cannot be written.</exception>
    public static PruneResult Run(SnapshotArchive archive, SnapshotRetention rule, bool dryRun)
    {
        var store = archive.Store;
        if (!dryRun && !store.MayDelete)
        {
            throw new SyncException(SyncFailure.Refused, $"archive {archive.Location}: this key may not delete there (its --serve line has " +
                "--append-only, or no --allow-delete), so nothing was pruned: prune on the archive's host, or with a key that may delete");
        }
        var snapshots = archive.Snapshots();
        var keep = Retention.Keep([.. snapshots.Select(snapshot => (snapshot.Id, snapshot.Time))], rule);
        var kept = snapshots.Where(snapshot => keep.Contains(snapshot.Id)).ToList();
        var removed = snapshots.Where(snapshot => !keep.Contains(snapshot.Id)).ToList();

        var needed = new HashSet<BlobId>();
        foreach (var snapshot in kept)
        {
            needed.UnionWith(snapshot.Map);
            needed.UnionWith(archive.MapOf(snapshot).Blobs());
        }

        // Indexes are listed before packs: an add without the lock writes its packs before their index, so every pack an index
        // listed here lists is in the listing of packs, and goes into the new index before that index is deleted.
        var indexes = store.List(PackIndex.Prefix);
        var packsInStore = store.List(Pack.Prefix).ToDictionary(stored => stored.Key, stored => stored.Size);
        var grace = store.PruneGrace;
        var (condemnedObjects, condemnedSince) = grace > TimeSpan.Zero ? CondemnedPacks.Read(archive) : ([], []);
        // Packs not condemned first, so that a blob a rewrite copied is found in its new pack, and its condemned one empties.
        var listed = ListedPacks(archive, packsInStore).OrderBy(pack => condemnedSince.ContainsKey(pack.Key)).ToList();
        var plan = Plan(listed, needed);
        if (plan.Missing > 0)
        {
            throw new SyncException(SyncFailure.Damaged, $"archive {archive.Location}: {plan.Missing} blobs that the snapshots to keep need are in no " +
                "pack, so nothing was pruned (sqlrsync --verify names them)");
        }

        long indexBytes = indexes.Sum(index => index.Size);
        long bytesBefore = packsInStore.Values.Sum() + indexBytes;
        long rewrittenBytes = plan.Rewrite.Sum(pack => pack.Entries.Sum(entry => (long)entry.Length));
        if (dryRun)
        {
            long estimate = plan.Whole.Sum(pack => pack.Length) + rewrittenBytes + indexBytes;
            int packsToWrite = (int)((rewrittenBytes + Pack.TargetLength - 1) / Pack.TargetLength);
            return Result(kept, removed, packsInStore.Count - plan.Whole.Count, packsToWrite, bytesBefore, estimate, dryRun: true);
        }

        var written = Rewrite(archive, plan.Rewrite);
        var needing = plan.Whole.Concat(written).Select(pack => pack.Key).ToHashSet();
        var unneeded = packsInStore.Keys.Where(key => !needing.Contains(key)).ToList();
        // With a grace, an unneeded pack goes only once it was found unneeded the whole grace ago; until then it stays, listed.
        var now = store.Clock.GetUtcNow();
        var dropped = unneeded.Where(key => grace == TimeSpan.Zero || Pack.IdOf(key) is null
            || (condemnedSince.TryGetValue(key, out var since) && now - since >= grace)).ToHashSet();
        var waitingKeys = unneeded.Where(key => !dropped.Contains(key)).ToHashSet();
        var waiting = waitingKeys.Select(key => (Pack: Pack.IdOf(key)!.Value, Since: condemnedSince.GetValueOrDefault(key, now))).ToList();
        var staying = plan.Whole.Concat(written).Concat(listed.Where(pack => waitingKeys.Contains(pack.Key))).ToList();
        var newIndexes = PackIndex.Write(store, archive.Sealer, staying).Select(written => written.Object).ToList();
        var newIndexKeys = newIndexes.Select(index => index.Key).ToHashSet();
        var newCondemned = waiting.Count > 0 ? CondemnedPacks.Write(archive, waiting) : null;
        foreach (var snapshot in removed)
        {
            store.Delete(snapshot.Key);
        }
        foreach (var index in indexes.Where(index => !newIndexKeys.Contains(index.Key)))
        {
            store.Delete(index.Key);
        }
        foreach (var key in condemnedObjects.Where(key => key != newCondemned))
        {
            store.Delete(key);
        }
        foreach (var key in dropped)
        {
            store.Delete(key);
        }
        store.RemoveLeftovers();
        long bytesAfter = written.Sum(pack => pack.Length) + packsInStore.Where(pack => !dropped.Contains(pack.Key)).Sum(pack => pack.Value)
            + newIndexes.Sum(index => index.Size);
        return Result(kept, removed, dropped.Count, written.Count, bytesBefore, bytesAfter, dryRun: false);
    }

    private static PruneResult Result(List<SnapshotRecord> kept, List<SnapshotRecord> removed, int packsDeleted, int packsWritten, long before,
        long after, bool dryRun) =>
        new([.. kept.Select(snapshot => snapshot.ToInfo())], [.. removed.Select(snapshot => snapshot.ToInfo())], packsDeleted, packsWritten, before,
            after, dryRun);

    /// <summary>Every pack some index lists and the store holds, once each.</summary>
    private static List<PackRecord> ListedPacks(SnapshotArchive archive, Dictionary<string, long> packsInStore)
    {
        var listed = new Dictionary<string, PackRecord>();
        List<PackEntry>? entries = null;  // of the pack being read, if it is one to keep; null to skip its entries
        try
        {
            PackIndex.VisitAll(archive.Store, archive.Sealer, (id, length) =>
            {
                var key = Pack.KeyOf(id);
                entries = packsInStore.ContainsKey(key) && !listed.ContainsKey(key) ? [] : null;
                if (entries is not null)
                {
                    listed[key] = new PackRecord(id, length, entries);
                }
            }, (_, entry) => entries?.Add(entry));
        }
        catch (InvalidDataException e)
        {
            throw new SyncException(SyncFailure.Damaged, $"archive {archive.Location}: {e.Message}, so nothing was pruned", e);
        }
        return [.. listed.Values];
    }

    private sealed record PrunePlan(List<PackRecord> Whole, List<PackRecord> Rewrite, int Missing);

    /// <summary>
    /// Which packs stay whole and which are rewritten with only their needed blobs (each needed blob
    /// taken from the first pack that holds it); the packs in neither are deleted.
    /// </summary>
    private static PrunePlan Plan(List<PackRecord> packs, HashSet<BlobId> needed)
    {
        var found = new HashSet<BlobId>();
        var whole = new List<PackRecord>();
        var rewrite = new List<PackRecord>();
        foreach (var pack in packs)
        {
            var wanted = pack.Entries.Where(entry => needed.Contains(entry.Id) && found.Add(entry.Id)).ToList();
            long wantedBytes = wanted.Sum(entry => (long)entry.Length);
            if (wantedBytes == 0)
            {
                continue;
            }
            if (wantedBytes < RewriteBelow * pack.Length)
            {
                rewrite.Add(pack with { Entries = wanted });
            }
            else
            {
                whole.Add(pack);
            }
        }
        return new PrunePlan(whole, rewrite, needed.Count - found.Count);
    }

    /// <summary>Copies the listed blobs' stored bytes, as they are, into new packs; each source pack is checked against its id first.</summary>
    private static IReadOnlyList<PackRecord> Rewrite(SnapshotArchive archive, List<PackRecord> sources)
    {
        var writer = new PackWriter(archive.Store, archive.Sealer);
        foreach (var source in sources)
        {
            var bytes = archive.Store.Read(source.Key);
            if (bytes is null || Pack.IdOfBytes(bytes) != source.Id)
            {
                throw new SyncException(SyncFailure.Damaged, $"archive {archive.Location}: pack {source.Key} is " +
                    $"{(bytes is null ? "missing" : "damaged")}, so nothing was pruned (sqlrsync --verify names what it harms)");
            }
            foreach (var entry in source.Entries)
            {
                writer.Add(entry.Kind, entry.Id, bytes.AsSpan((int)entry.Offset, (int)entry.Length));
            }
        }
        return writer.Finish();
    }
}
