using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Storage;

namespace SqlRsync.Dialects;

/// <summary>
/// A snapshot archive's objects kept by an archive store agent on another host
/// (<see cref="ArchiveStoreServer"/>), as an <see cref="ObjectStore"/>: each operation is one request
/// and its answer. The agent's refusals come back as the exceptions the store contract names
/// (<see cref="UnauthorizedAccessException"/> for what this key may not do, <see cref="TimeoutException"/>
/// for a lock held too long); a broken or garbled session as an <see cref="IOException"/>. It knows
/// nothing of links: it is given the two streams and what to do when it is done with them.
/// </summary>
internal sealed class ArchiveStoreClient : ObjectStore
{
    /// <summary>The most objects a listing may name: far more than any archive holds.</summary>
    private const int MaxListed = 2_000_000;

    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly Action _close;
    private readonly string _rootLocation;
    private bool _broken;

    /// <summary>Opens the store on the agent's host (making its directory when <paramref name="create"/> and it is missing).</summary>
    /// <exception cref="SyncException">The agent refused, or the session broke before it was open.</exception>
    public ArchiveStoreClient(string location, Stream fromAgent, Stream toAgent, bool create, Action close)
    {
        _location = _rootLocation = location;
        _reader = new FrameReader(fromAgent);
        _writer = new FrameWriter(toAgent);
        _close = close;
        try
        {
            StoreMessages.WriteOpen(_writer, Hello.CurrentVersion, create);
            _writer.Flush();
            var (type, payload) = _reader.Read();
            if (type == MessageType.Error)
            {
                throw Error.Parse(payload.Span).ToException();
            }
            if (type != MessageType.StoreReady)
            {
                throw new ProtocolException($"expected StoreReady, got {type}");
            }
            (_mayCreate, _mayDelete) = StoreMessages.ReadReady(payload.Span);
        }
        catch (Exception e) when (e is ProtocolException or IOException or PeerErrorException)
        {
            throw Engine.FailureText.Normalize(e);
        }
    }

    public override string Location => _location;

    /// <summary>Whether this key may create objects there (no, for a read-only key).</summary>
    public override bool MayCreate => _mayCreate;

    /// <summary>Whether this key may delete objects there (no, for an append-only or read-only key).</summary>
    public override bool MayDelete => _mayDelete;

    private string _location;
    private bool _mayCreate;
    private bool _mayDelete;

    /// <summary>
    /// From now on, works on the archive at the relative path <paramref name="name"/> under the
    /// agent's directory (made, with its parents, when <paramref name="create"/> and it is missing);
    /// a lock held on the one before is let go. The store to give that archive: this session, which
    /// disposing it leaves open for the next.
    /// </summary>
    /// <exception cref="SyncException">The agent refused it (no such archive, a symbolic link on the way).</exception>
    /// <exception cref="IOException">The session broke.</exception>
    public ObjectStore Select(string name, bool create)
    {
        _location = $"{_rootLocation.TrimEnd('/')}/{name}";
        PeerErrorException? refused = null;
        (_mayCreate, _mayDelete) = Request(() =>
        {
            StoreMessages.WriteSelect(_writer, name, create);
            try
            {
                var (type, payload) = Next();
                return type == MessageType.StoreReady ? StoreMessages.ReadReady(payload.Span) : throw new ProtocolException($"expected StoreReady, got {type}");
            }
            catch (PeerErrorException e)
            {
                // Refused with its reason (no such archive, a link on the way): nothing of that archive may be used.
                refused = e;
                return (false, false);
            }
        });
        if (refused is not null)
        {
            // The agent's reason, first-hand for whoever runs this archive's side (not a relayed report of a peer's failure).
            throw new SyncException(Enum.IsDefined((SyncFailure)refused.Reason) ? (SyncFailure)refused.Reason : SyncFailure.Other, refused.Message);
        }
        return new SelectedArchive(this);
    }

    public override byte[]? Read(string key) => Request(() =>
    {
        StoreMessages.WriteGet(_writer, key, 0, StoreMessages.ToTheEnd);
        return ReceiveObject(key, ArchiveStoreServer.MaxObjectLength);
    });

    public override byte[] ReadRange(string key, long offset, int length) => Request(() =>
    {
        StoreMessages.WriteGet(_writer, key, (ulong)offset, (uint)length);
        var bytes = ReceiveObject(key, length) ?? throw new IOException($"{key} does not exist");
        return bytes.Length == length ? bytes : throw new IOException($"{key} has no {length} bytes at {offset}");
    });

    public override bool Create(string key, ReadOnlySpan<byte> data)
    {
        if (!MayCreate)
        {
            throw new UnauthorizedAccessException($"refused: this key may only read archives (--read-only); it cannot write {key}");
        }
        var bytes = data.ToArray();
        return Request(() =>
        {
            StoreMessages.WriteKeyed(_writer, MessageType.ObjectPut, key);
            for (int at = 0; at < bytes.Length; at += StoreMessages.ChunkLength)
            {
                _writer.Write(MessageType.ObjectChunk, bytes.AsSpan(at, Math.Min(StoreMessages.ChunkLength, bytes.Length - at)));
            }
            StoreMessages.WriteEnd(_writer, false);
            return EndOfAnswer();
        });
    }

    public override IReadOnlyList<StoredObject> List(string prefix) => Request(() =>
    {
        StoreMessages.WriteKeyed(_writer, MessageType.ObjectList, prefix);
        var listed = new List<(string Key, long Size)>();
        while (true)
        {
            var (type, payload) = Next();
            if (type == MessageType.ObjectEnd)
            {
                StoreMessages.ReadEnd(payload.Span);
                return (IReadOnlyList<StoredObject>)[.. listed.Select(item => new StoredObject(item.Key, item.Size))];
            }
            if (type != MessageType.ObjectNames || listed.Count > MaxListed)
            {
                throw new ProtocolException($"expected at most {MaxListed} object names, got {type}");
            }
            StoreMessages.ReadNames(payload.Span, listed);
        }
    });

    public override void Delete(string key)
    {
        if (!MayDelete)
        {
            throw new UnauthorizedAccessException($"refused: this key may only add to archives (--append-only); it cannot delete {key}");
        }
        Request(() =>
        {
            StoreMessages.WriteKeyed(_writer, MessageType.ObjectDelete, key);
            return EndOfAnswer();
        });
    }

    public override IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation)
    {
        uint milliseconds = (uint)Math.Clamp(wait.TotalMilliseconds, 0, int.MaxValue);
        Request(() =>
        {
            StoreMessages.WriteLock(_writer, exclusive ? (byte)1 : (byte)0, milliseconds);
            return EndOfAnswer();
        });
        return new HeldLock(this);
    }

    public override void RemoveLeftovers()
    {
        if (MayDelete)
        {
            Request(() =>
            {
                _writer.Write(MessageType.StoreCleanup, []);
                return EndOfAnswer();
            });
        }
    }

    public override void Dispose()
    {
        try
        {
            if (!_broken)
            {
                _writer.Write(MessageType.SessionEnd, []);
                _writer.Flush();
            }
        }
        catch (IOException)
        {
        }
        _close();
        base.Dispose();
    }

    /// <summary>Sends a request and reads its answer; an Error answer becomes the exception the contract names.</summary>
    private T Request<T>(Func<T> exchange)
    {
        if (_broken)
        {
            throw new IOException($"the session with {Location} broke earlier");
        }
        try
        {
            return exchange();
        }
        catch (PeerErrorException refused)
        {
            throw (SyncFailure)refused.Reason switch
            {
                SyncFailure.Refused => new UnauthorizedAccessException($"{Location}: {refused.Message}"),
                SyncFailure.Busy => new TimeoutException($"{Location}: {refused.Message}"),
                _ => new IOException($"{Location}: {refused.Message}"),
            };
        }
        catch (Exception e) when (e is ProtocolException or IOException or EndOfStreamException)
        {
            _broken = true;
            throw new IOException($"{Location}: {e.Message}", e);
        }
    }

    /// <summary>The next frame of an answer; an Error frame is thrown as the agent's refusal.</summary>
    private (MessageType Type, ReadOnlyMemory<byte> Payload) Next()
    {
        _writer.Flush();
        var (type, payload) = _reader.Read();
        if (type == MessageType.Error)
        {
            throw Error.Parse(payload.Span).ToException();
        }
        return (type, payload.ToArray());
    }

    private bool EndOfAnswer()
    {
        var (type, payload) = Next();
        return type == MessageType.ObjectEnd ? StoreMessages.ReadEnd(payload.Span) : throw new ProtocolException($"expected ObjectEnd, got {type}");
    }

    /// <summary>An object's chunks up to its ObjectEnd; null when it does not exist. More than <paramref name="most"/> bytes is a garbled answer.</summary>
    private byte[]? ReceiveObject(string key, int most)
    {
        using var data = new MemoryStream();
        while (true)
        {
            var (type, payload) = Next();
            if (type == MessageType.ObjectEnd)
            {
                return StoreMessages.ReadEnd(payload.Span) ? data.ToArray() : null;
            }
            if (type != MessageType.ObjectChunk || data.Length + payload.Length > most)
            {
                throw new ProtocolException($"{key}: expected at most {most} bytes in chunks, got {type}");
            }
            data.Write(payload.Span);
        }
    }

    /// <summary>The archive a <see cref="Select"/> chose, over the session, which its disposal leaves open.</summary>
    private sealed class SelectedArchive(ArchiveStoreClient session) : ObjectStore
    {
        public override string Location => session.Location;

        public override bool MayCreate => session.MayCreate;

        public override bool MayDelete => session.MayDelete;

        public override byte[]? Read(string key) => session.Read(key);

        public override byte[] ReadRange(string key, long offset, int length) => session.ReadRange(key, offset, length);

        public override bool Create(string key, ReadOnlySpan<byte> data) => session.Create(key, data);

        public override IReadOnlyList<StoredObject> List(string prefix) => session.List(prefix);

        public override void Delete(string key) => session.Delete(key);

        public override IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation) => session.Lock(exclusive, wait, cancellation);

        public override void RemoveLeftovers() => session.RemoveLeftovers();
    }

    /// <summary>The store's lock, held by the agent until released here or the session ends.</summary>
    private sealed class HeldLock(ArchiveStoreClient store) : IDisposable
    {
        private bool _released;

        public void Dispose()
        {
            if (_released || store._broken)
            {
                return;
            }
            _released = true;
            try
            {
                store.Request(() =>
                {
                    StoreMessages.WriteLock(store._writer, StoreMessages.Release, 0);
                    return store.EndOfAnswer();
                });
            }
            catch (IOException)
            {
                // The session is gone, and the agent's lock with it.
            }
        }
    }
}
