using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Interop;

/// <summary>
/// In sqlite3_rsync's protocol too, our origin only reads: a writer in another process (Debian's sqlite3
/// shell, busy timeout 0) commits a row after row to the WAL origin while sqlite3_rsync pulls from our
/// agent, or while we push to sqlite3_rsync; it never sees SQLITE_BUSY, and each replica holds a gap-free
/// prefix of its rows (one snapshot).
/// </summary>
public sealed class Sqlite3RsyncLiveWriterTests : IDisposable
{
    private const int Rounds = 3;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AWriterOfTheOriginNeverSeesBusy(bool theyPull)
    {
        Skip.If(Sqlite3RsyncOracle.Unavailable is not null, Sqlite3RsyncOracle.Unavailable);
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 5000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n INTEGER PRIMARY KEY)");
        string ssh = LocalSsh.Script(_dir);

        using var writer = new SqliteShell(origin);
        writer.WaitUntilOpen();
        int next = 1;
        for (int round = 0; round < Rounds; round++)
        {
            var sync = Task.Run(() => theyPull
                ? ExternalProgram.Run(Sqlite3RsyncOracle.Path, [$"localhost:{origin}", replica, "--ssh", ssh, "--exe", LocalSsh.Agent(_dir)])
                : SqlRsyncProgram.Run(origin, $"localhost:{replica}", "--ssh", ssh, "--exe", Sqlite3RsyncOracle.Path));
            // One autocommit transaction per row while the sync runs (bounded: 2,000 per sync).
            for (int i = 0; i < 2000 && !sync.IsCompleted; i++)
            {
                writer.Send($"INSERT INTO log VALUES ({next++});");
            }
            var run = await sync;
            // sqlite3_rsync says "Databases were not synced due to errors" on stdout, and may still exit 0.
            Assert.True(run.ExitCode == 0 && !run.StandardOutput.Contains("not synced"), run.StandardOutput + run.StandardError);
            var rows = TestDatabase.Sqlite3Cli(replica, "SELECT count(*) = coalesce(max(n), 0) FROM log");
            Assert.True(rows == "1", $"replica after sync {round + 1} does not hold a gap-free prefix of the writer's rows");
            TestDatabase.AssertIntegrityOk(replica);
        }
        var (_, errors) = writer.Finish();

        Assert.DoesNotContain("locked", errors);
        Assert.DoesNotContain("busy", errors, StringComparison.OrdinalIgnoreCase);
        Assert.True(next > Rounds, "the writer wrote nothing while the syncs ran");
        Assert.Equal((next - 1).ToString(CultureInfo.InvariantCulture), TestDatabase.Sqlite3Cli(origin, "SELECT count(*) FROM log"));
    }
}
