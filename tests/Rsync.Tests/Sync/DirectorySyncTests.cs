using System.Text.Json;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// `sqlrsync DIR/ REPLICA_DIR` (either side remote, through the ssh stand-in and a real agent process):
/// databases recognised by their header, each synced from its own snapshot over one connection, odd
/// names never reaching a shell, a failure or a killed agent leaving every replica old or new.
/// </summary>
public sealed class DirectorySyncTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Remote => ["--ssh", LocalSsh.Script(_dir), "--exe", LocalSsh.Agent(_dir)];

    /// <summary>When every database fails (here: the replica side holds ones sqlrsync never wrote), the run ends with the lines that say so and exit
    /// 1 (it crashed before).</summary>
    [Theory]
    [InlineData("local")]
    [InlineData("push")]
    public void ADirectoryWhoseEveryDatabaseFailsEndsWithExit1(string direction)
    {
        var origin = Directory.CreateDirectory(_dir.File("origin")).FullName;
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        TestDatabase.Create(Path.Combine(origin, "app.db"), rows: 100);
        TestDatabase.Create(Path.Combine(replica, "app.db"), rows: 50, seed: 2);

        var result = SqlRsyncProgram.Run(direction == "push" ? [origin + "/", $"host:{replica}", .. Remote] : [origin + "/", replica]);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.StandardError}");
        Assert.Contains("holds a database that sqlrsync never wrote", result.StandardError);
        Assert.Contains("synced 0 of 1 databases", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("push")]
    [InlineData("pull")]
    public void OnlyDatabasesTravelWhateverTheirNames(string direction)
    {
        var origin = Directory.CreateDirectory(_dir.File("origin")).FullName;
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        string[] names = ["plain.db", "with space.sqlite", "it's \"quoted\".db", "$(touch pwned).db", "no-extension", "sub/deeper.db"];
        for (int i = 0; i < names.Length; i++)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(origin, names[i]))!);
            TestDatabase.Create(Path.Combine(origin, names[i]), rows: 100 + i, seed: i);
        }
        File.WriteAllText(Path.Combine(origin, "notes.db"), "not a database, whatever its name\n");
        File.CreateSymbolicLink(Path.Combine(origin, "link.db"), Path.Combine(origin, "plain.db"));
        TestDatabase.Create(Path.Combine(origin, "new\nline.db"), rows: 10);
        TestDatabase.Create(Path.Combine(replica, "only-here.db"), rows: 10);
        string[] arguments = direction switch
        {
            "push" => [origin + "/", $"host:{replica}", .. Remote],
            "pull" => [$"host:{origin}/", replica, .. Remote],
            _ => [origin + "/", replica],
        };

        var result = SqlRsyncProgram.RunIn(_dir.Path, [.. arguments, "--recursive", "--json"]);

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var report = JsonDocument.Parse(result.StandardOutput);
        var synced = report.RootElement.GetProperty("databases").EnumerateArray().Select(database => database.GetProperty("name").GetString()).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), synced);
        foreach (var name in names)
        {
            TestDatabase.AssertPageIdentical(Path.Combine(origin, name), Path.Combine(replica, name), 4096);
        }
        Assert.False(File.Exists(Path.Combine(replica, "notes.db")));
        Assert.False(File.Exists(Path.Combine(replica, "link.db")));
        Assert.False(File.Exists(Path.Combine(replica, "new\nline.db")));
        Assert.Equal(["only-here.db"], report.RootElement.GetProperty("only_on_replica").EnumerateArray().Select(name => name.GetString()));
        Assert.True(File.Exists(Path.Combine(replica, "only-here.db")), "a database only on the replica side is never deleted");
        Assert.Empty(Directory.GetFiles(_dir.Path, "pwned", SearchOption.AllDirectories));
        if (direction != "pull")
        {
            // The newline is found where the directory is listed: here, on this side.
            Assert.Contains("new\\nline.db: a control character (a newline) in its name; rename it", report.RootElement.GetProperty("left_out")[0].GetString());
        }

        var text = SqlRsyncProgram.RunIn(_dir.Path, [.. arguments, "--recursive"]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains($"sqlrsync: only in {(direction == "push" ? "host:" : "")}{replica}, not deleted: only-here.db", text.StandardError);
    }

    [Fact]
    public async Task WritersOnSeveralDatabasesLeaveEachReplicaASnapshot()
    {
        var origin = Directory.CreateDirectory(_dir.File("origin")).FullName;
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        var written = new[] { "a.db", "b.db", "c.db" };
        foreach (var name in written.Append("quiet.db"))
        {
            TestDatabase.Create(Path.Combine(origin, name), rows: 2000);
            TestDatabase.Sqlite3Cli(Path.Combine(origin, name), "CREATE TABLE log(n INTEGER PRIMARY KEY)");
        }
        var writers = written.Select(name => new SqliteShell(Path.Combine(origin, name))).ToList();
        try
        {
            writers.ForEach(writer => writer.WaitUntilOpen());
            int next = 1;
            for (int round = 0; round < 3; round++)
            {
                var sync = Task.Run(() => SqlRsyncProgram.Run([origin + "/", $"host:{replica}", .. Remote]));
                // One autocommit transaction per row on each database while the sync runs (bounded).
                for (int i = 0; i < 1500 && !sync.IsCompleted; i++, next++)
                {
                    writers.ForEach(writer => writer.Send($"INSERT INTO log VALUES ({next});"));
                }
                var run = await sync;
                Assert.True(run.ExitCode == 0, run.StandardError);
                foreach (var name in written.Append("quiet.db"))
                {
                    var copy = Path.Combine(replica, name);
                    TestDatabase.AssertIntegrityOk(copy);
                    Assert.Equal("1", TestDatabase.Sqlite3Cli(copy, "SELECT count(*) = coalesce(max(n), 0) FROM log"));
                }
            }
        }
        finally
        {
            foreach (var writer in writers)
            {
                var (_, errors) = writer.Finish();
                Assert.DoesNotContain("locked", errors);
                writer.Dispose();
            }
        }
    }

    [Fact]
    public void AKilledAgentLeavesEveryReplicaOldOrNew()
    {
        var origin = Directory.CreateDirectory(_dir.File("origin")).FullName;
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        var old = Directory.CreateDirectory(_dir.File("old")).FullName;
        var names = Enumerable.Range(0, 30).Select(i => $"tenant{i:00}.db").ToList();
        foreach (var name in names)
        {
            TestDatabase.Create(Path.Combine(origin, name), rows: 600, seed: 1);
        }
        Assert.Equal(0, SqlRsyncProgram.Run(origin + "/", replica).ExitCode);
        foreach (var name in names)
        {
            File.Copy(Path.Combine(replica, name), Path.Combine(old, name));
            using var connection = TestDatabase.Connect(Path.Combine(origin, name));
            TestDatabase.InsertRows(connection, rows: 600, seed: 2);
        }
        // The remote agent is killed (SIGKILL) once three replicas have committed (their records rewritten):
        // in the middle of the databases. The wait is bounded (30 s). sh gives a background job /dev/null
        // as stdin, so the agent gets ours through descriptor 3.
        var marker = _dir.File("marker");
        File.WriteAllText(marker, "");
        var killingSsh = LocalSsh.Write(_dir, "killing-ssh", $"""
            exec 3<&0
            '{LocalSsh.Script(_dir)}' "$@" 0<&3 &
            agent=$!
            for i in $(seq 1 600); do
              [ "$(find '{replica}' -name '*-sqlrsync' -newer '{marker}' | wc -l)" -ge 3 ] && break
              sleep 0.05
            done
            pkill -KILL -P $agent 2>/dev/null; kill -KILL $agent 2>/dev/null
            wait $agent
            """);

        var result = SqlRsyncProgram.Run(origin + "/", $"host:{replica}", "--ssh", killingSsh, "--exe", LocalSsh.Agent(_dir));

        Assert.NotEqual(0, result.ExitCode);
        int updated = 0;
        foreach (var name in names)
        {
            var copy = Path.Combine(replica, name);
            TestDatabase.AssertIntegrityOk(copy);
            bool isNew = TestDatabase.PageDifference(File.ReadAllBytes(Path.Combine(origin, name)), File.ReadAllBytes(copy), 4096) is null;
            bool isOld = TestDatabase.PageDifference(File.ReadAllBytes(Path.Combine(old, name)), File.ReadAllBytes(copy), 4096) is null;
            Assert.True(isNew || isOld, $"{name} is neither its old nor its new content");
            updated += isNew ? 1 : 0;
        }
        Assert.True(updated >= 3 && updated < names.Count, $"{updated} of {names.Count} replicas updated: the agent was not killed in the middle");
    }

    [Fact]
    public void ADatabaseThatFailsFailsAlone()
    {
        var origin = Directory.CreateDirectory(_dir.File("origin")).FullName;
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        foreach (var name in new[] { "a.db", "b.db", "c.db" })
        {
            TestDatabase.Create(Path.Combine(origin, name), rows: 300);
        }
        // A replica file of the same name that is no database: never overwritten.
        File.WriteAllText(Path.Combine(replica, "b.db"), "precious notes\n");

        var result = SqlRsyncProgram.Run([origin + "/", $"host:{replica}", .. Remote]);

        Assert.Equal(4, result.ExitCode);
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"sqlrsync: error: b.db: host: replica {replica}/b.db is not a SQLite database", lines[0]);
        Assert.Equal($"sqlrsync: synced 2 of 3 databases from {origin}/ to host:{replica}; failed: b.db", lines[^1]);
        Assert.Equal("precious notes\n", File.ReadAllText(Path.Combine(replica, "b.db")));
        TestDatabase.AssertPageIdentical(Path.Combine(origin, "a.db"), Path.Combine(replica, "a.db"), 4096);
        TestDatabase.AssertPageIdentical(Path.Combine(origin, "c.db"), Path.Combine(replica, "c.db"), 4096);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("push")]
    [InlineData("pull")]
    public void DeleteTakesOnlyWhatSqlrsyncMadeAndNoOneHasOpen(string direction)
    {
        var origin = Directory.CreateDirectory(_dir.File("origin")).FullName;
        var replica = Directory.CreateDirectory(_dir.File("replica")).FullName;
        TestDatabase.Create(Path.Combine(origin, "kept.db"), rows: 100);
        foreach (var name in new[] { "gone.db", "busy.db", "skipped.db" })
        {
            TestDatabase.Create(Path.Combine(origin, name), rows: 100);
        }
        Assert.Equal(0, SqlRsyncProgram.Run(origin + "/", replica).ExitCode);
        foreach (var name in new[] { "gone.db", "busy.db", "skipped.db" })
        {
            File.Delete(Path.Combine(origin, name));
        }
        TestDatabase.Create(Path.Combine(replica, "stranger.db"), rows: 10);
        string[] arguments = direction switch
        {
            "push" => [origin + "/", $"host:{replica}", .. Remote],
            "pull" => [$"host:{origin}/", replica, .. Remote],
            _ => [origin + "/", replica],
        };
        string[] delete = [.. arguments, "--delete", "--exclude", "skipped.db"];

        using (var reader = TestDatabase.Connect(Path.Combine(replica, "busy.db"), readOnly: true))
        {
            TestDatabase.Execute(reader, "BEGIN");
            TestDatabase.Scalar(reader, "SELECT count(*) FROM sqlite_schema");

            var dryRun = SqlRsyncProgram.Run([.. delete, "--dry-run"]);
            Assert.Contains($"would delete from {arguments[1]}: gone.db", dryRun.StandardError);
            Assert.True(File.Exists(Path.Combine(replica, "gone.db")));

            var result = SqlRsyncProgram.Run(delete);
            Assert.True(result.ExitCode == 4, result.StandardError);
            Assert.Contains($"deleted from {arguments[1]}: gone.db\n", result.StandardError);
            Assert.Contains("busy.db is open in another process", result.StandardError);
            Assert.Contains("stranger.db was not made by sqlrsync", result.StandardError);
        }
        Assert.False(File.Exists(Path.Combine(replica, "gone.db")));
        Assert.False(File.Exists(Path.Combine(replica, "gone.db-sqlrsync")));
        foreach (var kept in new[] { "kept.db", "busy.db", "stranger.db", "skipped.db" })
        {
            Assert.True(File.Exists(Path.Combine(replica, kept)), kept);
        }

        // An origin directory with no database (an unmounted disk) deletes nothing.
        File.Delete(Path.Combine(origin, "kept.db"));
        var empty = SqlRsyncProgram.Run(delete);
        Assert.Contains("the origin side has no database at all (an unmounted disk?); none of the", empty.StandardError);
        Assert.True(File.Exists(Path.Combine(replica, "kept.db")));
    }
}
