using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SqlRsync.Platform;

namespace SqlRsync.Engine.Sqlite;

/// <summary>
/// Makes every file SQLite opens in this process — databases, their -journal, -wal and -shm, the
/// directory it syncs — opened by a path with no symbolic link on the way (<see cref="NoSymlinks"/>),
/// and every file it deletes deleted the same way. SQLite resolves the links in a database's path
/// before it opens anything, and sqlrsync resolves them itself first (<see cref="SqlRsync.Platform.PathPolicy"/>), so a
/// legitimate open meets none; a link swapped in later, even between SQLite's look and its open, or
/// under a -journal opened minutes after the database, makes the open fail instead of leading
/// outside. Installed through the unix VFS's own system-call table (xSetSystemCall), before the
/// first connection. Temporary files SQLite creates new in its temporary directory (O_CREAT|O_EXCL)
/// are opened as before.
/// </summary>
internal static unsafe class NoSymlinkVfs
{
    private const int SqliteOk = 0;
    private const int CreateExclusive = 0x40 | 0x80;  // O_CREAT | O_EXCL
    private const int PermissionDenied = 13;          // EACCES

    private static readonly object s_gate = new();
    private static bool s_installed;

    /// <summary>Installs the open and unlink of this class in SQLite's default VFS, once per process.</summary>
    /// <exception cref="InvalidOperationException">SQLite's default VFS has no system-call table.</exception>
    public static void EnsureInstalled()
    {
        lock (s_gate)
        {
            if (s_installed)
            {
                return;
            }
            var vfs = (Vfs*)SqliteNative.FindVfs(0);
            if (vfs == null || vfs->Version < 3
                || Replace(vfs, "open\0"u8, (nint)(delegate* unmanaged[Cdecl]<byte*, int, int, int>)&Open) != SqliteOk
                || Replace(vfs, "unlink\0"u8, (nint)(delegate* unmanaged[Cdecl]<byte*, int>)&Unlink) != SqliteOk)
            {
                throw new InvalidOperationException("SQLite's default VFS lets no system call be replaced; this SQLite is not the one sqlrsync " +
                    "builds (native/sqlite)");
            }
            s_installed = true;
        }
    }

    private static int Replace(Vfs* vfs, ReadOnlySpan<byte> systemCall, nint replacement)
    {
        fixed (byte* name = systemCall)
        {
            return vfs->SetSystemCall(vfs, name, replacement);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Open(byte* path, int flags, int mode)
    {
        if ((flags & CreateExclusive) == CreateExclusive)
        {
            return PlainOpen(path, flags, mode);
        }
        // A --serve agent opens nothing outside its allowed directories, whatever path reaches SQLite.
        if (PathPolicy.Roots is not null && !PathPolicy.Allows(Marshal.PtrToStringUTF8((nint)path) ?? ""))
        {
            Marshal.SetLastSystemError(PermissionDenied);
            return -1;
        }
        return NoSymlinks.Open(path, flags, mode);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Unlink(byte* path) => NoSymlinks.Unlink(path);

    private static int PlainOpen(byte* path, int flags, int mode)
    {
        int fd = Libc.Open(path, flags, mode);
        if (fd < 0)
        {
            Marshal.SetLastSystemError(Marshal.GetLastPInvokeError());
        }
        return fd;
    }

    /// <summary>The head of struct sqlite3_vfs, as far as xSetSystemCall (version 3).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Vfs
    {
        public int Version;
        public int OsFileSize;
        public int MaxPathname;
        public nint Next;
        public nint Name;
        public nint AppData;
        public nint XOpen;
        public nint XDelete;
        public nint XAccess;
        public nint XFullPathname;
        public nint XDlOpen;
        public nint XDlError;
        public nint XDlSym;
        public nint XDlClose;
        public nint XRandomness;
        public nint XSleep;
        public nint XCurrentTime;
        public nint XGetLastError;
        public nint XCurrentTimeInt64;
        public delegate* unmanaged[Cdecl]<Vfs*, byte*, nint, int> SetSystemCall;
    }
}
