using System.Text.Json;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// One origin to several replicas in one run (`sqlrsync ORIGIN R1 R2 host:R3`): every replica ends at
/// the same snapshot, the origin is read and hashed once, and a replica that fails fails alone.
/// Replicas are local files and, through the ssh stand-in, real remote agents (child processes).
/// </summary>
public sealed class FanOutTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Remote => ["--ssh", LocalSsh.Script(_dir), "--exe", LocalSsh.Agent(_dir)];

    [Fact]
    public async Task UnderAWriterEveryReplicaHoldsTheSameSnapshot()
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 4000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n INTEGER PRIMARY KEY)");
        string[] replicas = [_dir.File("r1.db"), _dir.File("r2.db"), _dir.File("r3.db")];

        using var writer = new SqliteShell(origin);
        writer.WaitUntilOpen();
        int next = 1;
        for (int round = 0; round < 3; round++)
        {
            var sync = Task.Run(() => SqlRsyncProgram.Run([origin, replicas[0], replicas[1], $"host:{replicas[2]}", .. Remote]));
            // One autocommit transaction per row while the sync runs (bounded: 2,000 per sync).
            for (int i = 0; i < 2000 && !sync.IsCompleted; i++)
            {
                writer.Send($"INSERT INTO log VALUES ({next++});");
            }
            var run = await sync;
            Assert.True(run.ExitCode == 0, run.StandardError);
            foreach (var replica in replicas)
            {
                TestDatabase.AssertIntegrityOk(replica);
                Assert.Equal("1", TestDatabase.Sqlite3Cli(replica, "SELECT count(*) = coalesce(max(n), 0) FROM log"));
            }
            // One snapshot: the same rows, page for page the same database.
            TestDatabase.AssertPageIdentical(replicas[0], replicas[1], 4096);
            TestDatabase.AssertPageIdentical(replicas[0], replicas[2], 4096);
        }
        var (_, errors) = writer.Finish();
        Assert.DoesNotContain("locked", errors);
        Assert.True(next > 3, "the writer wrote nothing while the syncs ran");
    }

    /// <summary>A remote replica's own refusal names its host once (it said "host:R: host: replica R ...").</summary>
    [Fact]
    public void ARemoteReplicasErrorNamesItsHostOnce()
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 300);
        var local = _dir.File("r1.db");
        var remote = _dir.File("r2.db");
        TestDatabase.Create(remote, rows: 10, seed: 2);

        var result = SqlRsyncProgram.Run([origin, local, $"host:{remote}", .. Remote]);

        Assert.True(result.ExitCode == 4, result.StandardError);
        var line = Assert.Single(result.StandardError.Split('\n'), line => line.StartsWith("sqlrsync: error: ", StringComparison.Ordinal));
        Assert.StartsWith($"sqlrsync: error: host:{remote}: replica {remote} holds a database that sqlrsync never wrote", line);
    }

    [Fact]
    public void OneUnreachableReplicaAmongThreeFailsAlone()
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 3000);
        TestDatabase.Checkpoint(origin);
        var good = new[] { _dir.File("r1.db"), _dir.File("r2.db") };
        // A host whose ssh fails: the stand-in exits as ssh does when it cannot connect.
        var downSsh = LocalSsh.Write(_dir, "down-ssh", """
            case "$*" in
              *downhost*) echo "ssh: connect to host downhost port 22: Connection refused" >&2; exit 255 ;;
            esac
            """ + $"\nexec '{LocalSsh.Script(_dir)}' \"$@\"");
        string unreachable = $"downhost:{_dir.File("down.db")}";

        var result = SqlRsyncProgram.Run(origin, good[0], unreachable, $"host:{good[1]}", "--ssh", downSsh, "--exe", LocalSsh.Agent(_dir), "--json");

        Assert.True(result.ExitCode == 4, result.StandardError);
        // With --json, the JSON is the report: on stderr only the failed replica's line.
        Assert.Equal($"sqlrsync: error: {unreachable}: ssh to downhost failed: ssh: connect to host downhost port 22: Connection refused (no ssh " +
            "server listens there: check the host name and the port, -p)", SqlRsyncProgram.AssertErrorLine(result, 4));
        foreach (var replica in good)
        {
            TestDatabase.AssertPageIdentical(origin, replica, 4096);
        }
        Assert.False(File.Exists(_dir.File("down.db")));
        using var report = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("partial", report.RootElement.GetProperty("outcome").GetString());
        var outcomes = report.RootElement.GetProperty("replicas").EnumerateArray().Select(replica => replica.GetProperty("outcome").GetString()).ToList();
        Assert.Equal(["synced", "failed", "synced"], outcomes);

        // Without --json the summary says who holds the snapshot.
        var again = SqlRsyncProgram.Run(origin, good[0], unreachable, $"host:{good[1]}", "--ssh", downSsh, "--exe", LocalSsh.Agent(_dir));
        Assert.Equal(4, again.ExitCode);
        Assert.EndsWith($"2 of 3 replicas hold one snapshot of {origin} ({new FileInfo(origin).Length / 4096:N0} pages): {good[0]}, " +
            $"host:{good[1]}; failed: {unreachable}\n", again.StandardError);
    }

    [Fact]
    public void TheOriginIsReadAndHashedOnce()
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 3000);
        TestDatabase.Checkpoint(origin);
        long pages = new FileInfo(origin).Length / 4096;
        string[] replicas = [_dir.File("r1.db"), _dir.File("r2.db"), _dir.File("r3.db"), _dir.File("r4.db"), _dir.File("alone.db")];
        foreach (var replica in replicas)
        {
            Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        }
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "UPDATE items SET name = 'changed' WHERE id % 100 = 0");
        }
        TestDatabase.Checkpoint(origin);

        // The same change synced to one replica alone: what the origin reads for one.
        var alone = SqlRsyncProgram.Run(origin, replicas[4], "--json");
        using var aloneReport = JsonDocument.Parse(alone.StandardOutput);
        long changed = aloneReport.RootElement.GetProperty("pages_changed").GetInt64();
        long readForOne = aloneReport.RootElement.GetProperty("origin_pages_read").GetInt64();
        Assert.True(changed > 0 && readForOne >= pages + changed, alone.StandardOutput);

        var result = SqlRsyncProgram.Run([origin, replicas[0], replicas[1], $"host:{replicas[2]}", $"host:{replicas[3]}", "--json", .. Remote]);

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var report = JsonDocument.Parse(result.StandardOutput);
        var each = report.RootElement.GetProperty("replicas").EnumerateArray().ToList();
        Assert.All(each, replica => Assert.Equal(changed, replica.GetProperty("pages_changed").GetInt64()));
        // Read and hashed as for one replica; each further replica adds only the pages it is sent.
        Assert.All(each, replica => Assert.Equal(readForOne + 3 * changed, replica.GetProperty("origin_pages_read").GetInt64()));
        foreach (var replica in replicas)
        {
            TestDatabase.AssertPageIdentical(origin, replica, 4096);
        }
    }

    [Fact]
    public void ReplicasNamedTwiceOrTheOriginAgainAreUsageErrors()
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var replica = _dir.File("r.db");

        Assert.Contains($"{replica} is named twice", SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica, replica), 2));
        Assert.Contains("same file", SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica, origin), 2));
        Assert.Contains("the origin must be a local database", SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run([$"host:{origin}", replica,
            _dir.File("r2.db"), .. Remote]), 2));
        Assert.False(File.Exists(replica));
    }
}
