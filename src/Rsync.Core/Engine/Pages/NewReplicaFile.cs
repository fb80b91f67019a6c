using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// A replica that does not exist yet, built in a temporary file beside it with large sequential
/// writes (SQLite would write it one page per system call), made durable with fsync and then put in
/// place with link(2), which fails rather than replace a file that appeared meanwhile. No SQLite
/// connection of this process has the temporary file open, so writing it directly cannot disturb
/// SQLite's locks. The temporary file is nameless (O_TMPFILE) where the filesystem allows, so even a
/// killed process leaves nothing behind; elsewhere it is a new file under an unpredictable hidden name
/// (<see cref="NewFile"/>) that disposing removes. Either way a failed sync leaves no replica behind.
/// The file takes the permission bits it is given (the origin's), less the umask. One that replaces
/// an existing replica (<see cref="ReplicaReplacement"/>) is renamed over it instead, and the old
/// file's -wal and -shm, which belong to the old file, are removed with it.
/// </summary>
internal sealed class NewReplicaFile : IPageWriter, IDisposable
{
    private const int RunBufferBytes = 4 * 1024 * 1024;

    private readonly SafeFileHandle _file;
    private readonly string? _temporaryPath;  // null: the file is nameless until it is linked in place
    private readonly byte[] _run = new byte[RunBufferBytes];
    private int _runLength;
    private long _runOffset;
    private uint _highestPageWritten;
    private bool _committed;

    private readonly bool _replaces;

    private NewReplicaFile(string path, int pageSize, UnixFileMode mode, bool replaces)
    {
        Path = path;
        PageSize = pageSize;
        FileMode = mode;
        _replaces = replaces;
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        int nameless = OperatingSystem.IsLinux() ? NoSymlinks.Open(directory, Libc.TemporaryReadWrite, (int)mode) : -1;
        if (nameless >= 0)
        {
            _file = new SafeFileHandle(nameless, ownsHandle: true);
            return;
        }
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"directory {directory} does not exist");
        }
        _temporaryPath = NewFile.TemporaryNameFor(path, "sqlrsync-new");
        _file = NewFile.Create(_temporaryPath, mode);
    }

    public string Path { get; }

    public int PageSize { get; }

    public UnixFileMode FileMode { get; }

    /// <summary>Starts a new replica at <paramref name="path"/>, which must not exist, with the permission bits <paramref name="mode"/>.</summary>
    public static NewReplicaFile Create(string path, int pageSize, UnixFileMode mode) => new(path, pageSize, mode & (UnixFileMode)0x1FF, replaces: false);

    /// <summary>Starts a file that will replace the replica at <paramref name="path"/> whole, with its permission bits and, where it can, its owner.</summary>
    public static NewReplicaFile Replacing(string path, int pageSize)
    {
        var file = new NewReplicaFile(path, pageSize, Permissions.Of(path), replaces: true);
        if (Libc.Owner(path) is { } owner)
        {
            // Best effort: only root may give a file to another user.
            _ = Libc.ChangeOwner((int)file._file.DangerousGetHandle(), owner.User, owner.Group);
        }
        return file;
    }

    /// <summary>Writes one page, which the replica role has checked (its size, never page 0 or the lock-byte page).</summary>
    public UInt128 WritePage(uint pageNumber, ReadOnlySpan<byte> data)
    {
        long offset = (long)(pageNumber - 1) * PageSize;
        if (offset != _runOffset + _runLength || _runLength + data.Length > _run.Length)
        {
            FlushRun();
            _runOffset = offset;
        }
        data.CopyTo(_run.AsSpan(_runLength));
        _runLength += data.Length;
        _highestPageWritten = Math.Max(_highestPageWritten, pageNumber);
        return PageHasher.Hash(pageNumber, data, LockBytePage.For(PageSize));
    }

    /// <summary>Makes the file exactly <paramref name="pageCount"/> pages, durable, and puts it in place.</summary>
    /// <exception cref="SyncException">The replica appeared meanwhile (another sync made it).</exception>
    /// <exception cref="IOException">The disk failed.</exception>
    public void Commit(uint pageCount)
    {
        if (pageCount != _highestPageWritten)
        {
            throw new InvalidOperationException($"the new replica has {_highestPageWritten} pages, not the {pageCount} it should have: a page was not sent");
        }
        FlushRun();
        RandomAccess.SetLength(_file, (long)pageCount * PageSize);
        RandomAccess.FlushToDisk(_file);
        if (_replaces)
        {
            PutInPlaceOfTheOldFile();
            return;
        }
        int linked = _temporaryPath is null
            ? NoSymlinks.Name((int)_file.DangerousGetHandle(), Path)
            : LinkTemporary(_temporaryPath, Path);
        if (linked != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.ErrorExists)
            {
                throw new SyncException(SyncFailure.Busy,
                    $"replica {Path} was made by another sync (or program) while this one was building it; this sync wrote nothing (run it again " +
                        "to update the replica)");
            }
            throw new IOException($"cannot put the new replica in place at {Path} ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
        _committed = true;
        if (_temporaryPath is not null)
        {
            NoSymlinks.Delete(_temporaryPath);
        }
        DirectoryEntries.SyncToDisk(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
    }

    public void Dispose()
    {
        _file.Dispose();
        if (!_committed && _temporaryPath is not null)
        {
            NoSymlinks.Delete(_temporaryPath);
        }
    }

    /// <summary>
    /// Renames the file over the old one (readers that have the old file open keep it), and removes the
    /// old file's -wal and -shm: a reader of the new file must not find the old one's log beside it.
    /// </summary>
    private void PutInPlaceOfTheOldFile()
    {
        string temporary = _temporaryPath ?? NewFile.TemporaryNameFor(Path, "sqlrsync-new");
        if (_temporaryPath is null && NoSymlinks.Name((int)_file.DangerousGetHandle(), temporary) != 0)
        {
            throw new IOException($"cannot name the new replica beside {Path} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }
        try
        {
            NoSymlinks.Rename(temporary, Path);
        }
        catch
        {
            NoSymlinks.Delete(temporary);
            throw;
        }
        _committed = true;
        NoSymlinks.Delete(Path + CompanionFiles.Wal);
        NoSymlinks.Delete(Path + CompanionFiles.SharedMemory);
        DirectoryEntries.SyncToDisk(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
    }

    private static int LinkTemporary(string temporary, string path)
    {
        try
        {
            NoSymlinks.Link(temporary, path);
            return 0;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private void FlushRun()
    {
        if (_runLength > 0)
        {
            RandomAccess.Write(_file, _run.AsSpan(0, _runLength), _runOffset);
            if (OperatingSystem.IsLinux())
            {
                // Start the disk writing this run now, while the next ones arrive, rather than all of
                // the file at the fsync in Commit; a hint only: durability still comes from that fsync.
                Libc.StartWriteback((int)_file.DangerousGetHandle(), _runOffset, _runLength);
            }
            _runLength = 0;
        }
    }
}
