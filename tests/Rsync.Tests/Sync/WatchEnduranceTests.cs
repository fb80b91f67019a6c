using System.Diagnostics;
using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// `--watch` for a minute against a busy writer (Debian's sqlite3 shell in another process, synchronous
/// NORMAL): the two guarantees that only time shows, what readers of the replica see and what the
/// watch costs the origin's WAL. Each test is bounded by its clock.
/// </summary>
public class WatchEnduranceTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The writers' busy timeout. A reader that catches the WAL-index header while a commit rewrites it
    /// (any reader: ours, like the application's own) holds the WAL write lock for a moment to read it
    /// again (walIndexReadHdr), and a writer at full speed without a busy timeout then fails a commit
    /// now and then (about 1 in 2 million here). Writers at that speed wait, as applications do;
    /// WatchTests keeps a writer without one.
    /// </summary>
    private const string WriterWaits = ".timeout 1000";

    /// <summary>
    /// For a minute a writer commits one numbered row a transaction, about 2,000 a second, with a
    /// TRUNCATE or RESTART checkpoint every 200 rows and a VACUUM every 15 s, while a reader reads the
    /// replica every 10 ms: every state it sees is one the origin committed, in order; no commit
    /// fails; the replica catches up and equals the origin. Both the kept tree and its rescans (after
    /// each truncation it could not follow) were used.
    /// </summary>
    [Fact]
    public async Task ForAMinuteOfCheckpointStormsReadersSeeOnlyCommittedStatesInOrder()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n INTEGER PRIMARY KEY)");
        using var watch = new LibraryWatch(origin, [SyncEndpoint.Local(replica)], new WatchOptions { Interval = TimeSpan.FromMilliseconds(10) });
        watch.WaitUntil(() => File.Exists(replica), "the first cycle makes the replica");

        using var writer = new SqliteShell(origin);
        writer.Run($"{WriterWaits}\nPRAGMA synchronous = NORMAL;");
        using var reader = new SqliteShell(replica);
        var clock = Stopwatch.StartNew();
        var reading = Task.Run(() =>
        {
            while (clock.Elapsed < Minute)
            {
                reader.Send("SELECT count(*), coalesce(max(n), 0) FROM log;");
                Thread.Sleep(10);
            }
        });
        int rows = 0;
        var lastVacuum = TimeSpan.Zero;
        while (clock.Elapsed < Minute)
        {
            // 20 rows every 10 ms: the reader's count(*) stays cheap enough to keep up with its questions.
            for (int i = 0; i < 20; i++)
            {
                writer.Send($"INSERT INTO log VALUES ({++rows});");
                if (rows % 200 == 0)
                {
                    writer.Send(rows % 400 == 0 ? "PRAGMA wal_checkpoint(TRUNCATE);" : "PRAGMA wal_checkpoint(RESTART);");
                }
            }
            if (clock.Elapsed - lastVacuum > TimeSpan.FromSeconds(15))
            {
                writer.Send("VACUUM;");
                lastVacuum = clock.Elapsed;
            }
            Thread.Sleep(10);
        }
        writer.Run("");
        await reading;
        watch.WaitUntil(() => TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM log") == rows.ToString(CultureInfo.InvariantCulture),
            "the replica catches up once the writer stops");
        var summary = await watch.StopAsync();

        var (_, writeErrors) = writer.Finish();
        Assert.True(writeErrors.Trim() == "", writeErrors);
        var (seen, readErrors) = reader.Finish();
        Assert.Equal("", readErrors.Trim());
        int reads = ReaderLog.AssertCommittedStatesInOrder(seen);
        Assert.True(reads > 1000, $"{reads} reads");
        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.Equal(0, summary.FailedSyncs);
        Assert.True(summary.Cycles > 100, $"{summary.Cycles} cycles for {rows} rows");
        Assert.Contains(watch.Cycles, cycle => cycle.Rescan);
        Assert.Contains(watch.Cycles, cycle => !cycle.Rescan && cycle.PagesSent > 0);
    }

    /// <summary>
    /// Between cycles the origin holds nothing, and a cycle's snapshot is short: with wal_autocheckpoint
    /// at its default and a writer at full speed, the -wal reaches no more in a minute of the watch (the
    /// native sqlrsync, as users run it) than the same writer made it reach alone, plus one checkpoint's
    /// worth of frames (1,000). The replica's -wal stays as small: the watch's kept connection lets its
    /// autocheckpoint run.
    /// </summary>
    [SkippableFact]
    public void ForAMinuteOfAWriterAtFullSpeedTheWalGrowsNoMoreThanOneCheckpointPastItsOwnMost()
    {
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        using var writer = new SqliteShell(origin);
        writer.Run($"{WriterWaits}\nPRAGMA synchronous = NORMAL;");
        long most = 0;
        long replicaMost = 0;
        using var sampling = new CancellationTokenSource();
        // Sizes by stat, never by an open of the file (seed 001); a -wal's size is the most it held since it was made.
        var sampler = Task.Run(() =>
        {
            while (!sampling.IsCancellationRequested)
            {
                Interlocked.Exchange(ref most, Math.Max(Interlocked.Read(ref most), SizeOf(origin + "-wal")));
                Interlocked.Exchange(ref replicaMost, Math.Max(Interlocked.Read(ref replicaMost), SizeOf(replica + "-wal")));
                Thread.Sleep(1);
            }
        });
        void WriteFor(TimeSpan time)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < time)
            {
                writer.Send("UPDATE items SET body = randomblob(200) WHERE id = abs(random()) % 2000 + 1;");
            }
            writer.Run("");
        }

        WriteFor(TimeSpan.FromSeconds(15));
        long alone = Interlocked.Read(ref most);
        using var watch = ExternalProgram.Start(NativeProgram.Path, ["--watch", origin, replica, "--interval", "10ms", "--json"]);
        var cycles = watch.StandardOutput.ReadToEndAsync();
        var said = watch.StandardError.ReadToEndAsync();
        try
        {
            WriteFor(Minute);
            Assert.Equal(0, ExternalProgram.Run("kill", ["-TERM", watch.Id.ToString(CultureInfo.InvariantCulture)]).ExitCode);
            Assert.True(watch.WaitForExit(TimeSpan.FromSeconds(30)), "the watch did not end after SIGTERM");
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill();
            }
        }
        sampling.Cancel();
        sampler.Wait();

        Assert.True(watch.ExitCode == 0, $"exit code {watch.ExitCode}; it said: {said.Result}");
        var (_, writeErrors) = writer.Finish();
        Assert.True(writeErrors.Trim() == "", writeErrors);
        int cycleCount = cycles.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.True(cycleCount > 100, $"{cycleCount} cycles");
        Assert.True(alone > 0, "the writer alone never grew the -wal");
        long oneCheckpoint = 1000 * (4096 + 24);
        Assert.True(most <= alone + oneCheckpoint,
            $"the -wal reached {most:N0} bytes with the watch, {alone:N0} without: more than one checkpoint ({oneCheckpoint:N0}) past it");
        Assert.True(replicaMost <= alone + oneCheckpoint, $"the replica's -wal reached {replicaMost:N0} bytes");
        TestDatabase.AssertIntegrityOk(replica);
    }

    private static long SizeOf(string path) => new FileInfo(path) is { Exists: true } file ? file.Length : 0;
}
