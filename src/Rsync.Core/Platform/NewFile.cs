using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace SqlRsync.Platform;

/// <summary>
/// Files sqlrsync creates and reads beside a database, safe in a directory that other users may
/// write (a group-writable backup directory): a new file is always new — O_CREAT|O_EXCL with no
/// symbolic link on the way (<see cref="NoSymlinks"/>), so a link planted at its name or swapped in
/// for a directory above it is never followed and nothing that exists is overwritten — under a name
/// no one can guess in advance, with the permission bits it is given (less the umask), never the
/// default 0666. A file read is never read through a symbolic link either.
/// </summary>
internal static class NewFile
{
    // x86-64 values (the one architecture sqlrsync is built for).
    private const int WriteOnlyFlag = 0x1;
    private const int CreateFlag = 0x40;
    private const int ExclusiveFlag = 0x80;
    private const int CloseOnExecFlag = 0x80000;
    private const int NoSuchFile = 2;
    private const int TooManyLinks = 40;  // ELOOP: a symbolic link on the way

    /// <summary>A hidden name beside <paramref name="path"/> for a temporary file of its: ".NAME.RANDOM.SUFFIX".</summary>
    public static string TemporaryNameFor(string path, string suffix) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!,
            $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.{suffix}");

    /// <summary>Creates <paramref name="path"/>, which must not exist (not even as a symbolic link), for writing.</summary>
    /// <exception cref="IOException">It exists, or cannot be created.</exception>
    public static SafeFileHandle Create(string path, UnixFileMode mode)
    {
        int fd = NoSymlinks.Open(path, WriteOnlyFlag | CreateFlag | ExclusiveFlag | CloseOnExecFlag, (int)mode & 0x1FF);
        if (fd < 0)
        {
            throw new IOException($"cannot create {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The whole text of <paramref name="path"/>, or null when it does not exist.</summary>
    /// <exception cref="IOException">It is a symbolic link, or cannot be read.</exception>
    public static string? ReadText(string path)
    {
        int fd = NoSymlinks.Open(path, Libc.ReadOnly | CloseOnExecFlag);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == NoSuchFile ? null
                : throw new IOException(errno == TooManyLinks ? $"{path} is (or lies under) a symbolic link, which sqlrsync never " +
                    "makes" : Marshal.GetPInvokeErrorMessage(errno));
        }
        using var file = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1);
        using var reader = new StreamReader(file, System.Text.Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
