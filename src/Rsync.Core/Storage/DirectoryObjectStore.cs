using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using SqlRsync.Platform;

namespace SqlRsync.Storage;

/// <summary>
/// An object store in a directory: each object a file at its key's path under the root. An object is
/// written whole under a hidden temporary name in its own directory, fsynced, then given its key with
/// link(2), which fails if the key exists, and its directory fsynced: a reader sees the whole object or
/// none, a crash leaves at most a temporary file (removed by <see cref="RemoveLeftovers"/>), and two
/// writers of one key cannot both win. Nothing is ever opened through a symbolic link
/// (<see cref="NoSymlinks"/>), so a link planted in a shared directory leads nowhere. Directories and
/// files take the root's permission bits (files without execute bits): chmod the root to share it.
/// </summary>
internal sealed class DirectoryObjectStore : ObjectStore
{
    private const string LockName = ".lock";
    private const string TemporaryPrefix = ".tmp-";
    private const int OpenReadOnly = 0;
    private const int OpenReadWriteCreate = 2 | 0x40;
    private const int CloseOnExec = 0x80000;
    private const int NoSuchFile = 2;

    /// <summary>How many objects stay open for ranged reads: more than the packs one window of a restore reads from.</summary>
    private const int MostOpenForRanges = 128;

    private readonly string _root;
    private readonly UnixFileMode _directoryMode;
    private readonly UnixFileMode _fileMode;

    // Objects open for ranged reads, with when each was last read: a restore reads each pack many times,
    // and opening one walks its path from the root (no link followed), seven openat calls a read.
    // Objects never change, so an open one reads as a new open would.
    private readonly Dictionary<string, (SafeFileHandle File, long LastRead)> _openForRanges = [];
    private long _rangesRead;

    private DirectoryObjectStore(string root, UnixFileMode rootMode)
    {
        _root = root;
        _directoryMode = rootMode & (UnixFileMode)0x1FF;
        _fileMode = _directoryMode & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    public override string Location => _root;

    /// <summary>The store in <paramref name="directory"/>, which exists; null when it does not.</summary>
    public static DirectoryObjectStore? Open(string directory)
    {
        var root = Path.GetFullPath(directory).TrimEnd('/');
        return Directory.Exists(root) ? new DirectoryObjectStore(root, Permissions.Of(root)) : null;
    }

    /// <summary>A store in a new, empty directory (mode 0700 less the umask); the directory must not exist, its parent must.</summary>
    /// <exception cref="IOException">It exists, or cannot be made.</exception>
    public static DirectoryObjectStore Create(string directory)
    {
        var root = Path.GetFullPath(directory).TrimEnd('/');
        if (Directory.Exists(root) || File.Exists(root))
        {
            throw new IOException($"{root} exists");
        }
        NoSymlinks.MakeDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        DirectoryEntries.SyncToDisk(Path.GetDirectoryName(root)!);
        return new DirectoryObjectStore(root, Permissions.Of(root));
    }

    public override byte[]? Read(string key)
    {
        using var file = OpenForReading(key, mustExist: false);
        if (file is null)
        {
            return null;
        }
        long length = RandomAccess.GetLength(file);
        var data = new byte[length];
        ReadExactly(file, data, 0, key);
        return data;
    }

    public override byte[] ReadRange(string key, long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var data = new byte[length];
        ReadRange(key, offset, data);
        return data;
    }

    public override void ReadRange(string key, long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ReadExactly(OpenForRanges(key), destination, offset, key);
    }

    public override bool Create(string key, ReadOnlySpan<byte> data)
    {
        var path = PathOf(key);
        var directory = Path.GetDirectoryName(path)!;
        MakeDirectories(directory);
        var temporary = Path.Combine(directory, TemporaryPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        try
        {
            using (var file = NewFile.Create(temporary, _fileMode))
            {
                RandomAccess.Write(file, data, 0);
                if (Libc.Fsync((int)file.DangerousGetHandle()) != 0)
                {
                    throw new IOException($"cannot write {temporary} to disk: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }
            }
            if (!NoSymlinks.LinkIfAbsent(temporary, path))
            {
                return false;
            }
            DirectoryEntries.SyncToDisk(directory);
            return true;
        }
        finally
        {
            NoSymlinks.Delete(temporary);
        }
    }

    public override IReadOnlyList<StoredObject> List(string prefix)
    {
        ObjectKey.CheckPrefix(prefix);
        var start = prefix.Length == 0 ? _root : PathOf(prefix[..^1]);
        if (!Directory.Exists(start))
        {
            return [];
        }
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,  // symbolic links: never ours
            IgnoreInaccessible = false,
        };
        var found = new List<StoredObject>();
        foreach (var file in new DirectoryInfo(start).EnumerateFiles("*", options))
        {
            var key = Path.GetRelativePath(_root, file.FullName);
            if (ObjectKey.IsValid(key))
            {
                found.Add(new StoredObject(key, file.Length));
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return found;
    }

    public override void Delete(string key)
    {
        var path = PathOf(key);
        CloseForRanges(key);
        NoSymlinks.Delete(path);
        DirectoryEntries.SyncToDisk(Path.GetDirectoryName(path)!);
    }

    public override IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation)
    {
        var path = Path.Combine(_root, LockName);
        int fd = NoSymlinks.Open(path, OpenReadWriteCreate | CloseOnExec, (int)_fileMode);
        if (fd < 0 && !exclusive)
        {
            // A reader who may not write the archive (a restore by another user) locks it through a read-only open: flock needs no more.
            fd = NoSymlinks.Open(path, OpenReadOnly | CloseOnExec);
        }
        if (fd < 0)
        {
            throw new IOException($"cannot open {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Libc.TryLock(fd, exclusive) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.WouldBlock || waited.Elapsed >= wait || cancellation.IsCancellationRequested)
            {
                handle.Dispose();
                cancellation.ThrowIfCancellationRequested();
                throw errno == Libc.WouldBlock
                    ? new TimeoutException($"{_root} is locked by another sqlrsync")
                    : new IOException($"cannot lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
            cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(50));
        }
        return handle;
    }

    public override void RemoveLeftovers()
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in Directory.EnumerateFiles(_root, TemporaryPrefix + "*", options))
        {
            NoSymlinks.Delete(file);
        }
    }

    public override void Dispose()
    {
        foreach (var (file, _) in _openForRanges.Values)
        {
            file.Dispose();
        }
        _openForRanges.Clear();
        base.Dispose();
    }

    private string PathOf(string key) => _root + "/" + ObjectKey.Check(key);

    /// <summary>The object, kept open for the next ranged read of it; the least recently read is closed when too many are open.</summary>
    private SafeFileHandle OpenForRanges(string key)
    {
        if (!_openForRanges.TryGetValue(key, out var open))
        {
            if (_openForRanges.Count == MostOpenForRanges)
            {
                CloseForRanges(_openForRanges.MinBy(entry => entry.Value.LastRead).Key);
            }
            open.File = OpenForReading(key, mustExist: true)!;
        }
        _openForRanges[key] = (open.File, ++_rangesRead);
        return open.File;
    }

    private void CloseForRanges(string key)
    {
        if (_openForRanges.Remove(key, out var open))
        {
            open.File.Dispose();
        }
    }

    private SafeFileHandle? OpenForReading(string key, bool mustExist)
    {
        var path = PathOf(key);
        int fd = NoSymlinks.Open(path, OpenReadOnly | CloseOnExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == NoSuchFile && !mustExist ? null : throw new IOException($"cannot read {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> into, long offset, string key)
    {
        int done = 0;
        while (done < into.Length)
        {
            int read = RandomAccess.Read(file, into[done..], offset + done);
            if (read == 0)
            {
                throw new IOException($"{key} ends after {offset + done} bytes, before the {offset + into.Length} asked for");
            }
            done += read;
        }
    }

    /// <summary>Makes <paramref name="directory"/> and any missing directory above it up to the root, each made durable in its parent.</summary>
    private void MakeDirectories(string directory)
    {
        if (directory.Length <= _root.Length || Directory.Exists(directory))
        {
            return;
        }
        var parent = Path.GetDirectoryName(directory)!;
        MakeDirectories(parent);
        NoSymlinks.MakeDirectory(directory, _directoryMode);
        DirectoryEntries.SyncToDisk(parent);
    }
}
