using System.Security.Cryptography;
using SqlRsync.Engine;
using SqlRsync.Engine.Archives;
using SqlRsync.Platform;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Storage;

namespace SqlRsync.Dialects;

/// <summary>
/// The agent's side of an archive store session (`sqlrsync --archive-store DIR`): keeps a snapshot
/// archive's objects in a directory of this host for a client that does all of the archive's work
/// (docs/protocol.md, "Archive stores"), one request at a time. What a key may do is decided here, not
/// by the client: without <c>mayCreate</c> nothing is written, without <c>mayDelete</c> nothing is
/// removed (an append-only key), and no object is ever overwritten. Every object created must be one an
/// archive can hold under that name — a pack or index whose bytes hash to its name, a snapshot record
/// under a snapshot's name, the config, the dictionary — so that a client cannot plant bytes that a later snapshot
/// would take for its own.
/// </summary>
internal static class ArchiveStoreServer
{
    /// <summary>The largest object a client may create or fetch whole: an index of a very large archive.</summary>
    public const int MaxObjectLength = 256 << 20;

    /// <exception cref="SyncException">The archive cannot be opened, or the session broke.</exception>
    public static void Serve(string directory, Stream input, Stream output, bool mayCreate, bool mayDelete)
    {
        var reader = new FrameReader(input);
        var writer = new FrameWriter(output);
        try
        {
            var (type, payload) = reader.Read();
            if (type != MessageType.StoreOpen)
            {
                throw new ProtocolException($"expected StoreOpen, got {type}");
            }
            var (version, create) = StoreMessages.ReadOpen(payload.Span);
            if (version != Hello.CurrentVersion)
            {
                throw Refuse(writer, SyncFailure.Incompatible, $"protocol version mismatch: this sqlrsync speaks version {Hello.CurrentVersion}, " +
                    $"the peer speaks version {version}; install the same sqlrsync on both hosts");
            }
            var store = Open(directory, create && mayCreate, writer);
            StoreMessages.WriteReady(writer, mayCreate, mayDelete);
            writer.Flush();
            ServeRequests(directory, store, reader, writer, mayCreate, mayDelete);
        }
        catch (Exception e) when (e is ProtocolException or IOException or PeerErrorException)
        {
            throw FailureText.Normalize(e);
        }
    }

    private static DirectoryObjectStore Open(string directory, bool create, FrameWriter writer)
    {
        try
        {
            return DirectoryObjectStore.Open(directory) ?? (create ? DirectoryObjectStore.Create(directory)
                : throw Refuse(writer, SyncFailure.NotFound, $"archive {directory} does not exist (a sync into it with --archive makes it)"));
        }
        catch (IOException e)
        {
            throw Refuse(writer, SyncFailure.Access, $"cannot open archive {directory}: {e.Message}");
        }
    }

    /// <summary>
    /// Answers requests until SessionEnd, on <paramref name="store"/> and then on each archive a
    /// StoreSelect names under <paramref name="root"/> (a directory of databases goes into an archive
    /// each, over one session); disposes the store in use at the end.
    /// </summary>
    private static void ServeRequests(string root, DirectoryObjectStore store, FrameReader reader, FrameWriter writer, bool mayCreate,
        bool mayDelete)
    {
        IDisposable? held = null;
        try
        {
            while (true)
            {
                var (type, payload) = reader.Read();
                switch (type)
                {
                    case MessageType.SessionEnd:
                        return;
                    case MessageType.ObjectGet:
                        var (key, offset, length) = StoreMessages.ReadGet(payload.Span);
                        Answer(writer, () => Get(store, writer, key, offset, length));
                        break;
                    case MessageType.ObjectPut:
                        string putKey = StoreMessages.ReadKeyed(payload.Span, MessageType.ObjectPut);
                        // What a key may not write is read and dropped, not held (the refusal follows).
                        var data = ReceiveObject(reader, keep: mayCreate);
                        Answer(writer, () => StoreMessages.WriteEnd(writer, Put(store, putKey, data, mayCreate)));
                        break;
                    case MessageType.ObjectList:
                        string prefix = StoreMessages.ReadKeyed(payload.Span, MessageType.ObjectList);
                        Answer(writer, () => StoreMessages.WriteNames(writer, store.List(prefix).Select(stored => (stored.Key, stored.Size))));
                        break;
                    case MessageType.ObjectDelete:
                        string deleteKey = StoreMessages.ReadKeyed(payload.Span, MessageType.ObjectDelete);
                        Answer(writer, () =>
                        {
                            Deny(!mayDelete, $"refused: this key may only add to archives (--append-only); it cannot delete {deleteKey}");
                            store.Delete(deleteKey);
                            StoreMessages.WriteEnd(writer, true);
                        });
                        break;
                    case MessageType.StoreLock:
                        var (mode, wait) = StoreMessages.ReadLock(payload.Span);
                        Answer(writer, () =>
                        {
                            // An exclusive lock is for writers: a read-only key cannot keep the archive from everyone else.
                            Deny(mode == 1 && !mayCreate, "refused: this key may only read archives (--read-only); it cannot lock one for writing");
                            held?.Dispose();
                            held = null;
                            held = mode == StoreMessages.Release ? null : store.Lock(mode == 1, TimeSpan.FromMilliseconds(wait), CancellationToken.None);
                            StoreMessages.WriteEnd(writer, true);
                        });
                        break;
                    case MessageType.StoreCleanup:
                        new PayloadReader(payload.Span, type).End();
                        Answer(writer, () =>
                        {
                            Deny(!mayDelete, "refused: this key may only add to archives (--append-only); it cannot remove leftovers");
                            store.RemoveLeftovers();
                            StoreMessages.WriteEnd(writer, true);
                        });
                        break;
                    case MessageType.StoreSelect:
                        var (name, create) = StoreMessages.ReadSelect(payload.Span);
                        Answer(writer, () =>
                        {
                            // The lock was on the archive left behind.
                            held?.Dispose();
                            held = null;
                            var selected = Select(root, name, create && mayCreate);
                            store.Dispose();
                            store = selected;
                            StoreMessages.WriteReady(writer, mayCreate, mayDelete);
                        });
                        break;
                    default:
                        throw new ProtocolException($"{type} is no request of an archive store session");
                }
                writer.Flush();
            }
        }
        finally
        {
            held?.Dispose();
            store.Dispose();
        }
    }

    /// <summary>
    /// The archive at <paramref name="name"/> under <paramref name="root"/>, never through a symbolic
    /// link; made, with its parents, if <paramref name="create"/>.
    /// </summary>
    /// <exception cref="SyncException">It does not exist, or a link is on the way.</exception>
    private static DirectoryObjectStore Select(string root, string name, bool create)
    {
        string path = PathPolicy.Inside(root, name, create);
        return DirectoryObjectStore.Open(path) ?? (create ? DirectoryObjectStore.Create(path)
            : throw new SyncException(SyncFailure.NotFound, $"archive {path} does not exist (a sync into it with --archive makes it)"));
    }

    /// <summary>Runs one request; a refusal or a failure of the store is the answer (an Error), and the session goes on.</summary>
    private static void Answer(FrameWriter writer, Action request)
    {
        try
        {
            request();
        }
        catch (UnauthorizedAccessException e)
        {
            new Error((byte)SyncFailure.Refused, e.Message).WriteTo(writer);
        }
        catch (TimeoutException e)
        {
            new Error((byte)SyncFailure.Busy, e.Message).WriteTo(writer);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException)
        {
            new Error((byte)SyncFailure.Access, e.Message).WriteTo(writer);
        }
        catch (SyncException e)
        {
            new Error((byte)e.Reason, e.Message).WriteTo(writer);
        }
    }

    private static void Get(DirectoryObjectStore store, FrameWriter writer, string key, ulong offset, uint length)
    {
        byte[]? bytes;
        if (length == StoreMessages.ToTheEnd)
        {
            bytes = store.Read(key);
            if (bytes is not null && bytes.Length > MaxObjectLength)
            {
                throw new IOException($"{key} holds {bytes.Length} bytes, more than an archive's object may");
            }
        }
        else
        {
            bytes = offset > long.MaxValue || length > MaxObjectLength ? throw new IOException($"no such range of {key}")
                : store.ReadRange(key, (long)offset, (int)length);
        }
        if (bytes is null)
        {
            StoreMessages.WriteEnd(writer, false);
            return;
        }
        int from = length == StoreMessages.ToTheEnd ? (int)Math.Min(offset, (ulong)bytes.Length) : 0;
        for (int at = from; at < bytes.Length; at += StoreMessages.ChunkLength)
        {
            writer.Write(MessageType.ObjectChunk, bytes.AsSpan(at, Math.Min(StoreMessages.ChunkLength, bytes.Length - at)));
        }
        StoreMessages.WriteEnd(writer, true);
    }

    /// <summary>An object's chunks, up to their ObjectEnd: memory grows with what the client sends, up to the most an object may be.</summary>
    private static byte[] ReceiveObject(FrameReader reader, bool keep)
    {
        using var data = new MemoryStream();
        while (true)
        {
            var (type, payload) = reader.Read();
            if (type == MessageType.ObjectEnd)
            {
                StoreMessages.ReadEnd(payload.Span);
                return data.ToArray();
            }
            if (type != MessageType.ObjectChunk || payload.Length > StoreMessages.ChunkLength)
            {
                throw new ProtocolException($"expected an object's chunks, got {type} of {payload.Length} bytes");
            }
            if (data.Length + payload.Length > MaxObjectLength)
            {
                throw new ProtocolException($"the object sent is over the {MaxObjectLength}-byte limit");
            }
            if (keep)
            {
                data.Write(payload.Span);
            }
        }
    }

    private static bool Put(DirectoryObjectStore store, string key, byte[] data, bool mayCreate)
    {
        Deny(!mayCreate, $"refused: this key may only read archives (--read-only); it cannot write {key}");
        if (!IsArchiveObject(key, data))
        {
            throw new InvalidDataException($"refused: {key} is no object an archive holds under that name");
        }
        return store.Create(key, data);
    }

    /// <summary>Whether an archive may hold <paramref name="data"/> under <paramref name="key"/>: content-addressed objects must hash to their names.</summary>
    private static bool IsArchiveObject(string key, byte[] data) =>
        key is ArchiveConfig.Key or CompressionDictionary.Key
        || key.StartsWith(Pack.Prefix, StringComparison.Ordinal) && Pack.IdOf(key) == Pack.IdOfBytes(data)
        || key.StartsWith(PackIndex.Prefix, StringComparison.Ordinal) && key == PackIndex.Prefix + Convert.ToHexStringLower(SHA256.HashData(data))
        || SnapshotRecord.ParseKey(key) is not null;

    private static void Deny(bool denied, string reason)
    {
        if (denied)
        {
            throw new UnauthorizedAccessException(reason);
        }
    }

    private static SyncException Refuse(FrameWriter writer, SyncFailure reason, string text)
    {
        new Error((byte)reason, text).WriteTo(writer);
        writer.Flush();
        return new SyncException(reason, text);
    }
}
