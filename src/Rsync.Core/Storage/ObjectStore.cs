namespace SqlRsync.Storage;

/// <summary>
/// Immutable objects under keys, as object storage offers them: an object is created whole under a key
/// no object has, read whole or in part, listed by prefix, and deleted; it is never changed in place. A
/// created object is durable when <see cref="Create"/> returns, and no reader ever sees part of one.
/// Stores may be used from one thread at a time. Keys are ASCII letters, digits, '.', '_' and '-' in
/// components joined by '/', none empty or starting with '.', at most 200 characters. An archive's
/// objects are content-addressed or uniquely named, so a store whose create cannot be conditional may
/// write an object that appeared meanwhile again: it has the same bytes. Implemented here for a
/// directory and for an agent's store; sqlrsync's S3 package implements it for object storage.
/// </summary>
public abstract class ObjectStore : IDisposable
{
    /// <summary>Where the store is, as messages name it: a directory, HOST:PATH, a URL.</summary>
    public abstract string Location { get; }

    /// <summary>Whether objects may be created through this store (not through a read-only key).</summary>
    public virtual bool MayCreate => true;

    /// <summary>Whether objects may be deleted through this store (not through an append-only or read-only key).</summary>
    public virtual bool MayDelete => true;

    /// <summary>The whole object, or null when no object has this key.</summary>
    /// <exception cref="IOException">It cannot be read.</exception>
    public abstract byte[]? Read(string key);

    /// <summary><paramref name="length"/> bytes of the object from <paramref name="offset"/>.</summary>
    /// <exception cref="IOException">It cannot be read, does not exist, or is shorter.</exception>
    public abstract byte[] ReadRange(string key, long offset, int length);

    /// <summary>
    /// The object's bytes from <paramref name="offset"/> into all of <paramref name="destination"/>: for
    /// readers that reuse one buffer for many large reads (a new array each would be garbage the size of a pack).
    /// </summary>
    /// <inheritdoc cref="ReadRange(string, long, int)" path="/exception"/>
    public virtual void ReadRange(string key, long offset, Span<byte> destination) => ReadRange(key, offset, destination.Length).CopyTo(destination);

    /// <summary>Creates an object, durably; false, and nothing written, when one has the key already.</summary>
    /// <exception cref="IOException">It cannot be written (the store is then as it was, but for garbage a later clean-up removes).</exception>
    public abstract bool Create(string key, ReadOnlySpan<byte> data);

    /// <summary>
    /// Creates an object under a key no other writer can have chosen (it holds random digits: a snapshot's
    /// record), durably, without first asking whether one has it: a request saved where each one is billed.
    /// </summary>
    /// <exception cref="IOException">It cannot be written, or (where the store checks) an object has the key already.</exception>
    public virtual void CreateUnique(string key, ReadOnlySpan<byte> data)
    {
        if (!Create(key, data))
        {
            throw new IOException($"an object named {key} exists already");
        }
    }

    /// <summary>The objects whose keys start with <paramref name="prefix"/> ("" or a key ending in '/'), in ordinal order of their keys.</summary>
    public abstract IReadOnlyList<StoredObject> List(string prefix);

    /// <summary>Removes an object, durably; nothing when it does not exist.</summary>
    /// <exception cref="IOException">It cannot be removed.</exception>
    /// <exception cref="UnauthorizedAccessException">This store may only be added to.</exception>
    public abstract void Delete(string key);

    /// <summary>
    /// Takes the store's lock, shared (many holders) or exclusive (one), waiting up to
    /// <paramref name="wait"/>; released when the result is disposed, or when the process ends.
    /// </summary>
    /// <exception cref="TimeoutException">Another holder kept it all that time.</exception>
    public abstract IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation);

    /// <summary>
    /// Zero where a lock is cheap (a file's flock): adding a snapshot takes the lock, and a prune deletes
    /// at once what no snapshot needs. Object storage, where each lock costs requests on every add, gives a
    /// grace period instead: adds go without the lock (and take it only if they run past a third of the
    /// grace), and a prune deletes a pack only once it has been unneeded for the whole grace, so an add that
    /// read its parent before the prune still finds every blob it names (docs/archive.md, "Adding without a lock").
    /// </summary>
    public virtual TimeSpan PruneGrace => TimeSpan.Zero;

    /// <summary>
    /// A directory of this machine where what was read from or written to the store may be kept to spare
    /// requests (the newest snapshot's name and page map), or null for none: where reading is cheap.
    /// </summary>
    public virtual string? CacheDirectory => null;

    /// <summary>The store's clock, which the ages of a prune's condemned packs are measured with (tests give their own).</summary>
    public virtual TimeProvider Clock => TimeProvider.System;

    /// <summary>
    /// Removes what interrupted writes left that is no object (a directory store's temporary files).
    /// Only while holding the exclusive lock, when no write of another process can be under way.
    /// </summary>
    public virtual void RemoveLeftovers()
    {
    }

    /// <summary>Lets go of what the store holds open (files, connections); its objects stay.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>An object's key and size in bytes.</summary>
/// <param name="Key">Its key.</param>
/// <param name="Size">Its size in bytes.</param>
public readonly record struct StoredObject(string Key, long Size);
