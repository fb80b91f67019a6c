using System.Runtime.InteropServices;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Remote;

/// <summary>
/// A `--serve` key's confinement holds against someone who swaps a directory inside the allowed one
/// for a symbolic link out of it, and back, as fast as the kernel lets them (renameat2 with
/// RENAME_EXCHANGE), while syncs run: pulls never read a database outside, pushes never write one,
/// for single databases and for directories. The same sync works before the swapping starts; while
/// it goes on, each either works inside or fails cleanly (no stack trace). The agents are the native
/// sqlrsync run by an ssh stand-in that sets SSH_ORIGINAL_COMMAND, as sshd does for a forced command,
/// so that a few hundred syncs take seconds.
/// </summary>
public sealed class ServeRaceTests : IDisposable
{
    private const int Tries = 120;

    private readonly TempDirectory _dir = new();
    private readonly string _allowed;
    private readonly string _outside;

    public ServeRaceTests()
    {
        _allowed = Directory.CreateDirectory(_dir.File("allowed")).FullName;
        _outside = Directory.CreateDirectory(_dir.File("outside")).FullName;
        Directory.CreateDirectory(Path.Combine(_allowed, "sub"));
        File.CreateSymbolicLink(Path.Combine(_allowed, "link"), _outside);
        // The same names inside and outside: only which directory the path reaches differs.
        MakeDatabase(Path.Combine(_allowed, "sub", "app.db"), "inside");
        MakeDatabase(Path.Combine(_outside, "app.db"), "secret");
    }

    public void Dispose() => _dir.Dispose();

    public enum Mode { Database, Directory }

    [SkippableTheory]
    [InlineData(Mode.Database)]
    [InlineData(Mode.Directory)]
    public void APullNeverReadsOutside(Mode mode)
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        var ssh = ServeStandIn("--read-only");
        var outsideBefore = DirectorySnapshot.Take(_outside);
        var (worked, refused) = WhileSwapping(attempt =>
        {
            var local = _dir.File($"pulled-{attempt + 1}");
            var result = mode == Mode.Database
                ? NativeProgram.Run($"host:{_allowed}/sub/app.db", local + ".db", "--ssh", ssh)
                : NativeProgram.Run($"host:{_allowed}/sub/", Directory.CreateDirectory(local).FullName, "--ssh", ssh);
            string pulled = mode == Mode.Database ? local + ".db" : Path.Combine(local, "app.db");
            if (File.Exists(pulled))
            {
                Assert.Equal("inside", TestDatabase.Sqlite3Cli(pulled, "SELECT group_concat(name) FROM sqlite_schema"));
            }
            return result;
        });

        Assert.Equal(Tries, worked + refused);
        DirectorySnapshot.AssertUnchanged(outsideBefore, _outside);
    }

    [SkippableTheory]
    [InlineData(Mode.Database)]
    [InlineData(Mode.Directory)]
    public void APushNeverWritesOutside(Mode mode)
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        var ssh = ServeStandIn("--write-only");
        var origin = Directory.CreateDirectory(_dir.File("origin")).FullName;
        MakeDatabase(Path.Combine(origin, "app.db"), "inside");
        var outsideBefore = DirectorySnapshot.Take(_outside);
        var (worked, refused) = WhileSwapping(attempt =>
        {
            TestDatabase.Sqlite3Cli(Path.Combine(origin, "app.db"), $"INSERT INTO inside VALUES ({attempt + 2})");
            return mode == Mode.Database
                ? NativeProgram.Run(Path.Combine(origin, "app.db"), $"host:{_allowed}/sub/app.db", "--ssh", ssh)
                : NativeProgram.Run(origin + "/", $"host:{_allowed}/sub", "--ssh", ssh);
        });

        Assert.Equal(Tries, worked + refused);
        DirectorySnapshot.AssertUnchanged(outsideBefore, _outside);
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> once as it is (it must work), then <see cref="Tries"/> times while
    /// another thread keeps swapping allowed/sub (a directory) and allowed/link (a link to outside/);
    /// each must work or fail cleanly. Returns how many of those worked and how many were refused.
    /// </summary>
    private (int Worked, int Refused) WhileSwapping(Func<int, ExternalProgram.Result> attempt)
    {
        var control = attempt(-1);
        Assert.True(control.ExitCode == 0, $"without a swap: {control.StandardError}");
        using var stop = new CancellationTokenSource();
        string sub = Path.Combine(_allowed, "sub");
        string link = Path.Combine(_allowed, "link");
        long swaps = 0;
        var swapper = Task.Run(() =>
        {
            // Bounded: it stops when the attempts are done, or after 50 million swaps.
            while (!stop.IsCancellationRequested && swaps < 50_000_000)
            {
                Assert.Equal(0, RenameAt2(AtCurrentDirectory, sub, AtCurrentDirectory, link, RenameExchange));
                swaps++;
            }
        });
        int worked = 0, refused = 0;
        try
        {
            for (int i = 0; i < Tries; i++)
            {
                var result = attempt(i);
                if (result.ExitCode == 0)
                {
                    worked++;
                }
                else
                {
                    Assert.True(result.ExitCode is 1 or 4, $"exit {result.ExitCode}: {result.StandardError}");
                    Assert.DoesNotContain("   at ", result.StandardError);
                    Assert.DoesNotContain("Unhandled", result.StandardError);
                    refused++;
                }
            }
        }
        finally
        {
            stop.Cancel();
            swapper.Wait();
        }
        // Put the directory back where the test left it.
        if (Directory.Exists(link) && new FileInfo(link).LinkTarget is null)
        {
            _ = RenameAt2(AtCurrentDirectory, sub, AtCurrentDirectory, link, RenameExchange);
        }
        Assert.True(swaps > Tries, $"only {swaps} swaps happened");
        return (worked, refused);
    }

    /// <summary>An ssh stand-in for a host whose authorized_keys forces `sqlrsync --serve --allow ALLOWED ACCESS`.</summary>
    private string ServeStandIn(string access) =>
        LocalSsh.ForcedCommand(_dir, $"serve-ssh{access}", $"'{NativeProgram.Path}' --serve --allow '{_allowed}' {access}");

    /// <summary>A replica sqlrsync made (its record beside it) whose one table is named <paramref name="table"/>.</summary>
    private void MakeDatabase(string path, string table)
    {
        var made = _dir.File($"made-{Guid.NewGuid():N}.db");
        TestDatabase.Sqlite3Cli(made, $"CREATE TABLE {table}(n); INSERT INTO {table} VALUES (0)");
        Assert.Equal(0, SqlRsyncProgram.Run(made, path).ExitCode);
    }

    private const int AtCurrentDirectory = -100;
    private const uint RenameExchange = 2;

    /// <summary>renameat2(2): paths go as NUL-terminated UTF-8, as the kernel takes them.</summary>
    private static int RenameAt2(int fromDirectory, string from, int toDirectory, string to, uint flags) =>
        RenameAt2(fromDirectory, System.Text.Encoding.UTF8.GetBytes(from + "\0"), toDirectory, System.Text.Encoding.UTF8.GetBytes(to + "\0"), flags);

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int fromDirectory, byte[] from, int toDirectory, byte[] to, uint flags);
}
