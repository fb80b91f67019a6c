using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Remote;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Interop;

/// <summary>
/// The differential matrix against SQLite's own sqlite3_rsync: in each direction (it pushes to our
/// agent, pulls from our agent; we push to it, pull from it), with protocol 1 and 2, over local pipes
/// (an ssh stand-in that runs the command here) and over the real loopback sshd, for each case. After
/// each run the replica is page-identical to the origin with integrity_check ok, and the bytes each way
/// are exactly those that sqlite3_rsync exchanged with itself for the same case, started the same way.
/// </summary>
public sealed class Sqlite3RsyncMatrixTests(SshSyncTests.Server server) : IClassFixture<SshSyncTests.Server>, IDisposable
{
    public enum Direction { TheyPushToUs, TheyPullFromUs, WePushToThem, WePullFromThem }

    public enum Transport { Pipes, Sshd }

    public enum Scenario { NewReplica, Identical, OnePercentChanged, OriginGrew, OriginShrank, PageSize512, PageSize65536, RollbackJournal }

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<Direction, Transport, int, Scenario> Matrix()
    {
        var data = new TheoryData<Direction, Transport, int, Scenario>();
        foreach (var direction in Enum.GetValues<Direction>())
        {
            foreach (var scenario in Enum.GetValues<Scenario>())
            {
                data.Add(direction, Transport.Pipes, 1, scenario);
                data.Add(direction, Transport.Pipes, 2, scenario);
                data.Add(direction, Transport.Sshd, 2, scenario);
            }
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Matrix))]
    public void EveryDirectionEndsIdenticalAndExchangesTheBytesSqlite3RsyncDoes(Direction direction, Transport transport, int protocol, Scenario scenario)
    {
        Skip.If(Sqlite3RsyncOracle.Unavailable is not null, Sqlite3RsyncOracle.Unavailable);
        Skip.If(transport == Transport.Sshd && server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        int pageSize = scenario switch { Scenario.PageSize512 => 512, Scenario.PageSize65536 => 65536, _ => 4096 };
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        var reference = _dir.File("reference.db");
        Prepare(scenario, origin, replica, pageSize);
        if (File.Exists(replica))
        {
            File.Copy(replica, reference);
        }

        // sqlite3_rsync syncing with itself, started the same way, is the reference.
        bool push = direction is Direction.TheyPushToUs or Direction.WePushToThem;
        var expected = RunOracleClient(transport, protocol, push, origin, reference, Sqlite3RsyncOracle.Path);
        var actual = Run(direction, transport, protocol, origin, replica);

        TestDatabase.AssertSynced(origin, replica, pageSize);
        TestDatabase.AssertSynced(origin, reference, pageSize);
        Assert.Equal(expected, actual);
    }

    /// <summary>
    /// A database past 1 GiB holds the lock-byte page, which is never sent or written; both of our
    /// sides cross it, with a change on each side of it, against the oracle's own run.
    /// </summary>
    [SkippableTheory]
    [InlineData(Direction.TheyPushToUs)]
    [InlineData(Direction.WePushToThem)]
    public void ADatabaseAcrossTheLockBytePageSyncs(Direction direction)
    {
        Skip.If(Sqlite3RsyncOracle.Unavailable is not null, Sqlite3RsyncOracle.Unavailable);
        const int pageSize = 65536;
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        var reference = _dir.File("reference.db");
        // 17,000 rows of 64,000 bytes: 1.1 GB, past the lock-byte page (offset 2^30).
        TestDatabase.Sqlite3Cli(origin, $"PRAGMA page_size = {pageSize}; PRAGMA journal_mode = wal; CREATE TABLE big(n INTEGER PRIMARY KEY, b BLOB); " +
            "WITH RECURSIVE c(n) AS (VALUES(1) UNION ALL SELECT n + 1 FROM c WHERE n < 17000) INSERT INTO big SELECT n, zeroblob(64000) FROM c");
        TestDatabase.Checkpoint(origin);
        TestDatabase.CopyAsReplica(origin, replica);
        File.Copy(origin, reference);
        TestDatabase.Sqlite3Cli(origin, "UPDATE big SET b = randomblob(64000) WHERE n IN (10, 16500); INSERT INTO big VALUES (17001, randomblob(64000))");

        var expected = RunOracleClient(Transport.Pipes, 2, push: true, origin, reference, Sqlite3RsyncOracle.Path);
        var actual = Run(direction, Transport.Pipes, 2, origin, replica);

        Assert.True(new FileInfo(origin).Length > LockBytePage.Offset);
        TestDatabase.AssertSynced(origin, replica, pageSize);
        Assert.Equal(expected, actual);
    }

    /// <summary>Builds the origin (3,000 rows) and, but for a new replica, a replica copied from it before the case's change.</summary>
    private static void Prepare(Scenario scenario, string origin, string replica, int pageSize)
    {
        string journal = scenario == Scenario.RollbackJournal ? "delete" : "wal";
        TestDatabase.Create(origin, rows: 3000, journalMode: journal, pageSize: pageSize);
        if (scenario == Scenario.NewReplica)
        {
            return;
        }
        TestDatabase.Checkpoint(origin);
        TestDatabase.CopyAsReplica(origin, replica);
        if (scenario != Scenario.Identical)
        {
            TestDatabase.Change(origin, scenario switch
            {
                Scenario.OriginGrew => Situation.OriginGrew,
                Scenario.OriginShrank => Situation.OriginShrankAfterVacuum,
                _ => Situation.OnePercentChanged,
            });
        }
    }

    private (long, long) Run(Direction direction, Transport transport, int protocol, string origin, string replica) => direction switch
    {
        Direction.TheyPushToUs => RunOracleClient(transport, protocol, push: true, origin, replica, AgentProgram(transport)),
        Direction.TheyPullFromUs => RunOracleClient(transport, protocol, push: false, origin, replica, AgentProgram(transport)),
        _ => RunOurClient(transport, protocol, direction == Direction.WePushToThem, origin, replica),
    };

    /// <summary>Bytes (origin to replica, replica to origin) of a sqlite3_rsync client run, as its -v reports them.</summary>
    private (long OriginToReplica, long ReplicaToOrigin) RunOracleClient(Transport transport, int protocol, bool push, string origin, string replica,
        string exe)
    {
        string host = Host(transport);
        var arguments = new List<string>
        {
            push ? origin : $"{host}:{origin}",
            push ? $"{host}:{replica}" : replica,
            "--ssh", OracleSsh(transport), "--exe", exe, "--protocol", protocol.ToString(CultureInfo.InvariantCulture), "-v",
        };
        var run = ExternalProgram.Run(Sqlite3RsyncOracle.Path, arguments);
        Assert.True(run.ExitCode == 0 && !run.StandardOutput.Contains("not synced"),
            $"sqlite3_rsync {string.Join(' ', arguments)}: {run.StandardOutput} {run.StandardError}");
        var figures = Regex.Match(run.StandardOutput, @"sent ([\d,]+) bytes, received ([\d,]+) bytes");
        Assert.True(figures.Success, run.StandardOutput);
        long sent = long.Parse(figures.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        long received = long.Parse(figures.Groups[2].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        return push ? (sent, received) : (received, sent);
    }

    private (long OriginToReplica, long ReplicaToOrigin) RunOurClient(Transport transport, int protocol, bool push, string origin, string replica)
    {
        string host = Host(transport);
        var run = SqlRsyncProgram.Run(
            push ? origin : $"{host}:{origin}",
            push ? $"{host}:{replica}" : replica,
            "--ssh", transport == Transport.Sshd ? server.Ssh.SshCommand : LocalSsh.Script(_dir), "--exe", Sqlite3RsyncOracle.Path,
            "--protocol", protocol.ToString(CultureInfo.InvariantCulture), "--json");
        Assert.True(run.ExitCode == 0, run.StandardError);
        using var json = JsonDocument.Parse(run.StandardOutput);
        Assert.Equal($"sqlite3_rsync {protocol}", json.RootElement.GetProperty("protocol").GetString());
        long sent = json.RootElement.GetProperty("bytes_sent").GetInt64(), received = json.RootElement.GetProperty("bytes_received").GetInt64();
        return push ? (sent, received) : (received, sent);
    }

    private static string Host(Transport transport) => transport == Transport.Sshd ? SshServer.Alias : "localhost";

    private string AgentProgram(Transport transport) => transport == Transport.Sshd ? server.Ssh.Exe : LocalSsh.Agent(_dir);

    /// <summary>sqlite3_rsync's --ssh is one program: for the sshd, a script that adds the test's ssh config.</summary>
    private string OracleSsh(Transport transport) => transport == Transport.Sshd
        ? LocalSsh.Write(_dir, "ssh-to-testhost", $"exec ssh -F '{server.Ssh.ClientConfig}' \"$@\"")
        : LocalSsh.Script(_dir);
}
