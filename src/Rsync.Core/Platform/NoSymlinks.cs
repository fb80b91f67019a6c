using System.Runtime.InteropServices;

namespace SqlRsync.Platform;

/// <summary>
/// Opening, creating and removing files by a path that may hold no symbolic link at all, checked by
/// what is opened rather than by what was looked at earlier: the path is walked from "/" one
/// directory at a time with openat(O_NOFOLLOW), each step relative to the directory opened before it,
/// and the last step (open, unlink, rename, link) is made relative to the directory the walk ended
/// in. A symbolic link swapped in anywhere on the way at any moment makes the call fail (ELOOP or
/// ENOTDIR), never lead elsewhere. Paths from SQLite and from sqlrsync's own checks are already
/// resolved, so a legitimate path never holds a link. Calls return what the C library returns, with
/// errno set, so SQLite can use <see cref="Open(byte*, int, int)"/> in place of open(2) (<see cref="SqlRsync.Engine.Sqlite.NoSymlinkVfs"/>).
/// Linux, x86-64 values.
/// </summary>
internal static unsafe partial class NoSymlinks
{
    private const int PathOnly = 0x200000;       // O_PATH
    private const int DirectoryFlag = 0x10000;   // O_DIRECTORY
    private const int NoFollowFlag = 0x20000;    // O_NOFOLLOW
    private const int CloseOnExec = 0x80000;     // O_CLOEXEC
    private const int SymlinkFollow = 0x400;     // AT_SYMLINK_FOLLOW
    private const int InvalidArgument = 22;      // EINVAL
    private const int NameTooLong = 36;          // ENAMETOOLONG
    private const int NameExists = 17;           // EEXIST

    /// <summary>open(2) of <paramref name="path"/> with no symbolic link on the way: a descriptor, or -1 with errno set.</summary>
    public static int Open(byte* path, int flags, int mode)
    {
        int directory = OpenParent(path, out var name);
        if (directory == -1)
        {
            return -1;
        }
        int fd = name.Length == 0 ? -1 : OpenAt(directory, name, flags | NoFollowFlag, mode);
        return Finish(directory, fd, name.Length == 0 ? InvalidArgument : 0);
    }

    /// <summary>unlink(2) of <paramref name="path"/> with no symbolic link on the way (the last one itself may be a link: it is what goes).</summary>
    public static int Unlink(byte* path)
    {
        int directory = OpenParent(path, out var name);
        if (directory == -1)
        {
            return -1;
        }
        return Finish(directory, UnlinkAt(directory, name, 0), 0);
    }

    public static int Open(string path, int flags, int mode = 0)
    {
        fixed (byte* bytes = ToCString(path))
        {
            return Open(bytes, flags, mode);
        }
    }

    /// <summary>Removes <paramref name="path"/> (nothing when it does not exist).</summary>
    /// <exception cref="IOException">It cannot be removed, or a symbolic link is on the way.</exception>
    public static void Delete(string path)
    {
        fixed (byte* bytes = ToCString(path))
        {
            if (Unlink(bytes) != 0 && Marshal.GetLastPInvokeError() != 2)
            {
                throw Failure("cannot delete", path);
            }
        }
    }

    /// <summary>Renames <paramref name="from"/> over <paramref name="to"/> in the same directory (replacing it, even a link).</summary>
    /// <exception cref="IOException">The rename failed, or a symbolic link is on the way.</exception>
    public static void Rename(string from, string to) => InDirectoryOf(from, to, "cannot rename", (directory, a, b) => RenameAt(directory, a, directory, b));

    /// <summary>A second name <paramref name="created"/> for the file <paramref name="existing"/>, in the same directory; fails if it exists.</summary>
    /// <exception cref="IOException">The link failed (EEXIST when the name is taken), or a symbolic link is on the way.</exception>
    public static void Link(string existing, string created) => InDirectoryOf(existing, created, "cannot link", (directory, a,
        b) => LinkAt(directory, a, directory, b, 0));

    /// <summary>Like <see cref="Link"/>, but false, and nothing done, when <paramref name="created"/> exists.</summary>
    /// <exception cref="IOException">The link failed otherwise, or a symbolic link is on the way.</exception>
    public static bool LinkIfAbsent(string existing, string created)
    {
        bool taken = false;
        InDirectoryOf(existing, created, "cannot link", (directory, a, b) =>
        {
            int result = LinkAt(directory, a, directory, b, 0);
            taken = result != 0 && Marshal.GetLastPInvokeError() == NameExists;
            return taken ? 0 : result;
        });
        return !taken;
    }

    /// <summary>Gives the open file <paramref name="fd"/> (made with O_TMPFILE) the name <paramref name="path"/>; 0, or -1 with errno set.</summary>
    public static int Name(int fd, string path)
    {
        fixed (byte* bytes = ToCString(path))
        {
            int directory = OpenParent(bytes, out var name);
            if (directory == -1)
            {
                return -1;
            }
            fixed (byte* procPath = ToCString($"/proc/self/fd/{fd}"))
            {
                return Finish(directory, LinkAt(-100, procPath, directory, name, SymlinkFollow), 0);
            }
        }
    }

    /// <summary>Makes the directory <paramref name="path"/> with permission bits <paramref name="mode"/> (less the umask), unless it exists.</summary>
    /// <exception cref="IOException">It cannot be made, or a symbolic link is on the way.</exception>
    public static void MakeDirectory(string path, UnixFileMode mode)
    {
        fixed (byte* bytes = ToCString(path))
        {
            int directory = OpenParent(bytes, out var name);
            if (directory == -1 || Finish(directory, MakeDirectoryAt(directory, name, (int)mode), 0) != 0 && Marshal.GetLastPInvokeError() != 17)
            {
                throw Failure("cannot make the directory", path);
            }
        }
    }

    private delegate int AtCall(int directory, byte* first, byte* second);

    private static void InDirectoryOf(string first, string second, string what, AtCall call)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(first)) != Path.GetDirectoryName(Path.GetFullPath(second)))
        {
            throw new ArgumentException($"{first} and {second} are not in one directory");
        }
        fixed (byte* firstPath = ToCString(first))
        {
            int directory = OpenParent(firstPath, out var firstName);
            if (directory == -1 || Finish(directory, Call(directory, firstName, ToCString(Path.GetFileName(second)), call), 0) != 0)
            {
                throw Failure(what, $"{first} to {second}");
            }
        }

        static int Call(int directory, ReadOnlySpan<byte> firstName, byte[] secondName, AtCall call)
        {
            fixed (byte* a = firstName)
            fixed (byte* b = secondName)
            {
                return call(directory, a, b);
            }
        }
    }

    /// <summary>
    /// Walks to the directory that holds the last component of <paramref name="path"/> (relative paths
    /// from the current directory); its descriptor, or -1 with errno set. <paramref name="name"/> is the
    /// last component, NUL-terminated, pointing into <paramref name="path"/>.
    /// </summary>
    private static int OpenParent(byte* path, out ReadOnlySpan<byte> name)
    {
        name = default;
        var whole = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(path);
        int end = whole.Length;
        while (end > 1 && whole[end - 1] == (byte)'/')
        {
            end--;
        }
        int lastSlash = whole[..end].LastIndexOf((byte)'/');
        int directory = whole.Length > 0 && whole[0] == (byte)'/' ? OpenAt(-100, "/\0"u8, PathOnly | DirectoryFlag | CloseOnExec, 0) : OpenAt(-100,
            ".\0"u8, PathOnly | DirectoryFlag | CloseOnExec, 0);
        if (directory == -1)
        {
            return Failed(Marshal.GetLastPInvokeError());
        }
        Span<byte> component = stackalloc byte[256];
        int at = 0;
        while (at < lastSlash)
        {
            int next = whole[at..lastSlash].IndexOf((byte)'/');
            int length = next < 0 ? lastSlash - at : next;
            if (length > 0)
            {
                if (length >= component.Length)
                {
                    _ = Close(directory);
                    return Failed(NameTooLong);
                }
                whole.Slice(at, length).CopyTo(component);
                component[length] = 0;
                int child = OpenAt(directory, component, PathOnly | DirectoryFlag | NoFollowFlag | CloseOnExec, 0);
                int errno = Marshal.GetLastPInvokeError();
                _ = Close(directory);
                if (child == -1)
                {
                    return Failed(errno);
                }
                directory = child;
            }
            at += length + 1;
        }
        name = new ReadOnlySpan<byte>(path + lastSlash + 1, whole.Length - lastSlash - 1);
        return directory;
    }

    /// <summary>Closes the walk's directory and returns <paramref name="result"/>, with the error the call left (or <paramref
    /// name="errorIfFailed"/>).</summary>
    private static int Finish(int directory, int result, int errorIfFailed)
    {
        int errno = errorIfFailed != 0 ? errorIfFailed : Marshal.GetLastPInvokeError();
        _ = Close(directory);
        return result == -1 ? Failed(errno) : result;
    }

    /// <summary>-1, with <paramref name="errno"/> as errno (for SQLite) and as the last P/Invoke error (for .NET callers).</summary>
    private static int Failed(int errno)
    {
        Marshal.SetLastPInvokeError(errno);
        Marshal.SetLastSystemError(errno);
        return -1;
    }

    private static IOException Failure(string what, string path) =>
        new($"{what} {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    private static byte[] ToCString(string text)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(text) + 1];
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    private static int OpenAt(int directory, ReadOnlySpan<byte> name, int flags, int mode)
    {
        fixed (byte* bytes = name)
        {
            return OpenAt(directory, bytes, flags, mode);
        }
    }

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAt(int directory, byte* name, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static partial int UnlinkAt(int directory, ReadOnlySpan<byte> name, int flags);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    private static partial int MakeDirectoryAt(int directory, ReadOnlySpan<byte> name, int mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true)]
    private static partial int RenameAt(int fromDirectory, byte* from, int toDirectory, byte* to);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true)]
    private static partial int LinkAt(int fromDirectory, byte* from, int toDirectory, byte* to, int flags);

    private static int LinkAt(int fromDirectory, byte* from, int toDirectory, ReadOnlySpan<byte> to, int flags)
    {
        fixed (byte* bytes = to)
        {
            return LinkAt(fromDirectory, from, toDirectory, bytes, flags);
        }
    }

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
