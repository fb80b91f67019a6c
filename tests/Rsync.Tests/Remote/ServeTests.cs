using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Remote;

/// <summary>
/// `sqlrsync --serve` as the forced command of restricted keys in the real sshd's authorized_keys:
/// allowed pushes and pulls work; paths outside the allowed directory (directly, through "..", through
/// a symlinked directory or file), the wrong direction for the key, and shell commands are refused with
/// one line, nothing written, and no command run.
/// </summary>
public sealed class ServeTests(ServeTests.Server server) : IClassFixture<ServeTests.Server>, IDisposable
{
    private const string PushOnly = "push-only";
    private const string PullOnly = "pull-only";
    private const string PushAndDelete = "push-delete";

    public sealed class Server : IDisposable
    {
        private readonly TempDirectory _root = new();

        public Server()
        {
            Directory.CreateDirectory(Allowed);
            Directory.CreateDirectory(Outside);
            if (Ssh.Unavailable is null)
            {
                Ssh.AddForcedCommandKey(PushOnly, $"{Ssh.Exe} --serve --allow {Allowed} --write-only");
                Ssh.AddForcedCommandKey(PullOnly, $"{Ssh.Exe} --serve --allow {Allowed} --read-only");
                Ssh.AddForcedCommandKey(PushAndDelete, $"{Ssh.Exe} --serve --allow {Allowed} --write-only --allow-delete");
            }
        }

        public SshServer Ssh { get; } = new();

        /// <summary>The directory the keys may sync in.</summary>
        public string Allowed => _root.File("served");

        /// <summary>A directory beside it that the keys must never reach.</summary>
        public string Outside => _root.File("outside");

        public void Dispose()
        {
            Ssh.Dispose();
            _root.Dispose();
        }
    }

    private readonly TempDirectory _local = new();
    private readonly string _name = $"db-{Guid.NewGuid():N}";

    public void Dispose() => _local.Dispose();

    private string Allowed(string file) => Path.Combine(server.Allowed, file);

    private string Outside(string file) => Path.Combine(server.Outside, file);

    private ExternalProgram.Result Sqlrsync(params string[] arguments) =>
        SqlRsyncProgram.Run([.. arguments, "--ssh", server.Ssh.SshCommand]);

    [SkippableFact]
    public void AllowedPushesAndPullsWork()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _local.File("origin.db");
        var replica = Allowed($"{_name}.db");
        TestDatabase.Create(origin, rows: 2000);

        var push = Sqlrsync(origin, $"{PushOnly}:{replica}");
        Assert.True(push.ExitCode == 0, push.StandardError);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        var update = Sqlrsync(origin, $"{PushOnly}:~/../{Path.GetRelativePath("/", replica)}");
        Assert.True(update.ExitCode == 0, update.StandardError);
        TestDatabase.AssertSynced(origin, replica, 4096);

        var pulled = _local.File("pulled.db");
        var pull = Sqlrsync($"{PullOnly}:{replica}", pulled);
        Assert.True(pull.ExitCode == 0, pull.StandardError);
        TestDatabase.AssertSynced(replica, pulled, 4096);
    }

    public enum Escape { OutsidePath, DotDot, SymlinkedDirectory, SymlinkedFile }

    [SkippableTheory]
    [InlineData(Escape.OutsidePath)]
    [InlineData(Escape.DotDot)]
    [InlineData(Escape.SymlinkedDirectory)]
    [InlineData(Escape.SymlinkedFile)]
    public void PathsThatLeadOutsideTheAllowedDirectoryAreRefused(Escape escape)
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _local.File("origin.db");
        TestDatabase.Create(origin, rows: 300);
        var victim = Outside($"{_name}-victim.db");
        TestDatabase.Create(victim, rows: 10, seed: 5);
        string requested = escape switch
        {
            Escape.OutsidePath => Outside($"{_name}.db"),
            Escape.DotDot => Allowed($"../{Path.GetFileName(server.Outside)}/{_name}.db"),
            Escape.SymlinkedDirectory => Path.Combine(Link(Allowed($"{_name}-dir"), server.Outside), $"{_name}.db"),
            _ => Link(Allowed($"{_name}-file.db"), victim),
        };
        var outsideBefore = DirectorySnapshot.Take(server.Outside);

        var push = Sqlrsync(origin, $"{PushOnly}:{requested}");
        var pull = Sqlrsync($"{PullOnly}:{requested}", _local.File("pulled.db"));

        foreach (var refused in new[] { push, pull })
        {
            var line = SqlRsyncProgram.AssertErrorLine(refused, 1);
            Assert.StartsWith($"sqlrsync: error: {(refused == push ? PushOnly : PullOnly)}: refused: ", line);
        }
        Assert.Contains("is outside the directories this key may sync", push.StandardError);
        DirectorySnapshot.AssertUnchanged(outsideBefore, server.Outside);
        Assert.False(File.Exists(_local.File("pulled.db")));
    }

    [SkippableFact]
    public void EachKeySyncsOnlyItsOwnWay()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _local.File("origin.db");
        var served = Allowed($"{_name}.db");
        TestDatabase.Create(origin, rows: 300);
        TestDatabase.Create(served, rows: 100, seed: 3);
        var before = File.ReadAllBytes(served);

        var pullWithPushKey = Sqlrsync($"{PushOnly}:{served}", _local.File("pulled.db"));
        var pushWithPullKey = Sqlrsync(origin, $"{PullOnly}:{served}");

        Assert.Contains("refused: this key may only push to this host (--write-only)", SqlRsyncProgram.AssertErrorLine(pullWithPushKey, 1));
        Assert.Contains("refused: this key may only pull from this host (--read-only)", SqlRsyncProgram.AssertErrorLine(pushWithPullKey, 1));
        Assert.False(File.Exists(_local.File("pulled.db")));
        Assert.Equal(before, File.ReadAllBytes(served));
    }

    [SkippableTheory]
    [InlineData("touch {MARKER}")]
    [InlineData("sqlrsync --replica {ALLOWED}/x.db; touch {MARKER}")]
    [InlineData("sqlrsync --replica '{ALLOWED}/x.db' && touch {MARKER}")]
    [InlineData("sqlrsync --replica {ALLOWED}/x.db | touch {MARKER}")]
    [InlineData("sqlrsync --replica {ALLOWED}/x.db\ntouch {MARKER}")]
    [InlineData("sqlrsync --replica '{ALLOWED}/x.db\ntouch {MARKER}'")]
    [InlineData("sqlrsync --replica \"{ALLOWED}/$(touch {MARKER}).db\"")]
    [InlineData("sqlrsync --replica {ALLOWED}/`touch {MARKER}`.db")]
    [InlineData("sqlrsync --replica {ALLOWED}/x.db > {MARKER}")]
    [InlineData("")]
    public void ShellCommandsAreRefusedAndRunNothing(string command)
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var marker = _local.File("MARKER");
        var allowedBefore = DirectorySnapshot.Take(server.Allowed);
        string[] remoteCommand = command.Length == 0 ? [] : [command.Replace("{MARKER}", marker).Replace("{ALLOWED}", server.Allowed)];

        var result = ExternalProgram.Run("ssh", ["-F", server.Ssh.ClientConfig, "-T", PushOnly, .. remoteCommand], standardInput: "");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(command.Length == 0 ? "sqlrsync: error: sqlrsync --serve is a forced command" : "sqlrsync: error: refused: this key may " +
            "only run sqlrsync syncs", line);
        Assert.Equal("", result.StandardOutput);
        Assert.False(File.Exists(marker), "a command ran");
        DirectorySnapshot.AssertUnchanged(allowedBefore, server.Allowed);
    }

    /// <summary>
    /// A directory push with --delete through a --serve key deletes the databases only the replica side
    /// has only when the key's line says --allow-delete; without it they stay, each with the reason.
    /// </summary>
    [SkippableFact]
    public void ADirectoryPushDeletesOnlyThroughAKeyThatMayDelete()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = Directory.CreateDirectory(_local.File("origin")).FullName;
        TestDatabase.Create(Path.Combine(origin, "kept.db"), rows: 100);
        TestDatabase.Create(Path.Combine(origin, "gone.db"), rows: 100, seed: 2);
        var replica = Allowed($"{_name}-dir");
        Directory.CreateDirectory(replica);
        var first = Sqlrsync(origin + "/", $"{PushOnly}:{replica}");
        Assert.True(first.ExitCode == 0, first.StandardError);
        File.Delete(Path.Combine(origin, "gone.db"));

        var withoutRight = Sqlrsync(origin + "/", $"{PushOnly}:{replica}", "--delete");

        Assert.Contains("gone.db not deleted: this key may not delete (its --serve line has no --allow-delete)", withoutRight.StandardError);
        Assert.True(File.Exists(Path.Combine(replica, "gone.db")));
        var withRight = Sqlrsync(origin + "/", $"{PushAndDelete}:{replica}", "--delete");
        Assert.True(withRight.ExitCode == 0, withRight.StandardError);
        Assert.False(File.Exists(Path.Combine(replica, "gone.db")));
        Assert.True(File.Exists(Path.Combine(replica, "kept.db")));
    }

    /// <summary>A directory sync into the allowed directory itself is inside it (it was refused as outside).</summary>
    [SkippableFact]
    public void ADirectoryPushIntoTheAllowedDirectoryItselfWorks()
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = Directory.CreateDirectory(_local.File("origin")).FullName;
        TestDatabase.Create(Path.Combine(origin, $"{_name}.db"), rows: 100);

        var push = Sqlrsync(origin + "/", $"{PushOnly}:{server.Allowed}");

        Assert.True(push.ExitCode == 0, push.StandardError);
        TestDatabase.AssertSynced(Path.Combine(origin, $"{_name}.db"), Allowed($"{_name}.db"), 4096);
    }

    /// <summary>A -wal, -shm, -journal or -sqlrsync name is no database: refused as either side, through a key and locally, and nothing is made.</summary>
    [SkippableTheory]
    [InlineData("a.db-wal")]
    [InlineData("a.db-shm")]
    [InlineData("in.db-journal")]
    [InlineData("x.db-sqlrsync")]
    public void NamesOfFilesKeptBesideADatabaseAreRefused(string name)
    {
        Skip.If(server.Ssh.Unavailable is not null, server.Ssh.Unavailable);
        var origin = _local.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var allowedBefore = DirectorySnapshot.Take(server.Allowed);

        var push = Sqlrsync(origin, $"{PushOnly}:{Allowed(name)}");
        var pull = Sqlrsync($"{PullOnly}:{Allowed(name)}", _local.File("pulled.db"));
        var local = SqlRsyncProgram.Run(origin, _local.File(name));
        var localOrigin = SqlRsyncProgram.Run(_local.File(name), _local.File("copy.db"));

        foreach (var refused in new[] { push, pull, local, localOrigin })
        {
            Assert.Contains($"{name} is named like a file SQLite or sqlrsync keeps beside a database (-wal, -shm, -journal, -sqlrsync), not a " +
                "database: name the database itself",
                SqlRsyncProgram.AssertErrorLine(refused, 1));
        }
        DirectorySnapshot.AssertUnchanged(allowedBefore, server.Allowed);
        Assert.All(new[] { name, "pulled.db", "copy.db" }, made => Assert.False(File.Exists(_local.File(made)), $"{made} was made"));
    }

    private static string Link(string path, string target)
    {
        File.CreateSymbolicLink(path, target);
        return path;
    }
}
