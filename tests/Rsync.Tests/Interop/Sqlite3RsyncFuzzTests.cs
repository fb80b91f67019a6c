using SqlRsync.Dialects.Sqlite3Rsync;
using SqlRsync.Engine;
using SqlRsync.Tests.Support;
using Xunit.Abstractions;

namespace SqlRsync.Tests.Interop;

/// <summary>
/// Garbled sqlite3_rsync-protocol input, seeded: a real conversation of sqlite3_rsync with itself is
/// recorded, then each side's bytes are mutated (bit flips, truncations, dropped and repeated spans,
/// numbers such as 0, 2^31 and 2^32-1 written over them) and fed to our replica or origin. Every case
/// ends in bounded time with success or a one-line SyncException; the origin never changes; a refused
/// replica is byte-for-byte as before, with no journal or temporary file left. Their protocol carries
/// no digest of the pages, so a mutation inside a page's bytes can commit: only well-formedness
/// (codes, page numbers and order, counts, lengths) is ours to check, and it is checked before the commit.
/// SQLRSYNC_FUZZ_CASES sets the number of cases per side (default 2,000).
/// </summary>
public sealed class Sqlite3RsyncFuzzTests(ITestOutputHelper log) : IDisposable
{
    private const int PageSize = 1024;
    private static readonly SyncOptions Settings = new() { BusyTimeout = TimeSpan.Zero, Force = true };
    private static readonly uint[] Numbers = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 65536];

    private readonly TempDirectory _dir = new(inMemory: true);

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void NoGarbledConversationDamagesEitherDatabase()
    {
        Skip.If(Sqlite3RsyncOracle.Unavailable is not null, Sqlite3RsyncOracle.Unavailable);
        int cases = int.TryParse(Environment.GetEnvironmentVariable("SQLRSYNC_FUZZ_CASES"), out int n) ? n : 2000;
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 400, journalMode: "delete", pageSize: PageSize, seed: 1);
        TestDatabase.Create(replica, rows: 400, journalMode: "delete", pageSize: PageSize, seed: 2);
        var originBytes = File.ReadAllBytes(origin);
        var replicaBytes = File.ReadAllBytes(replica);
        var (fromOrigin, fromReplica) = Record(origin, _dir.File("recorded.db"), replicaBytes);

        var random = new Random(20261123);
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < 2 * cases; i++)
        {
            bool toReplica = i % 2 == 0;
            var input = Mutate(toReplica ? fromOrigin : fromReplica, random);
            File.WriteAllBytes(replica, replicaBytes);
            File.Delete(replica + "-sqlrsync");
            var run = Task.Run(() => toReplica
                ? Sqlite3RsyncReplica.Run(replica, new MemoryStream(input), Stream.Null, Settings, new ProgressTracker(), 2)
                : Sqlite3RsyncOrigin.Run(origin, new MemoryStream(input), Stream.Null, Settings, new ProgressTracker(), 2));
            Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "a case did not end within 10 s");
            string outcome = run.IsFaulted ? "refused" : "accepted";
            if (run.IsFaulted)
            {
                var error = run.Exception!.InnerException!;
                Assert.True(error is SyncException, $"unexpected {error.GetType().Name}: {error}");
                Assert.DoesNotContain('\n', error.Message);
            }
            Assert.True(originBytes.AsSpan().SequenceEqual(File.ReadAllBytes(origin)), "the origin changed");
            if (toReplica && run.IsFaulted)
            {
                Assert.True(replicaBytes.AsSpan().SequenceEqual(File.ReadAllBytes(replica)), "a refused conversation changed the replica");
                Assert.False(File.Exists(replica + "-sqlrsync"), "a refused conversation left a state record");
            }
            var files = Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Where(name => name!.Contains("-journal") || name.Contains(".tmp")).ToList();
            Assert.True(files.Count == 0, $"left behind: {string.Join(", ", files)}");
            string key = $"{(toReplica ? "replica" : "origin")} {outcome}";
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        log.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
        Assert.True(counts.GetValueOrDefault("replica refused") > cases / 2, "most garbled conversations must be refused");
    }

    /// <summary>sqlite3_rsync syncing a copy of the replica from the origin, agent to agent over pipes: what each side sent.</summary>
    private static (byte[] FromOrigin, byte[] FromReplica) Record(string origin, string replica, byte[] replicaBytes)
    {
        File.WriteAllBytes(replica, replicaBytes);
        using var originAgent = ExternalProgram.Start(Sqlite3RsyncOracle.Path, ["--origin", origin, "replica.db"]);
        using var replicaAgent = ExternalProgram.Start(Sqlite3RsyncOracle.Path, ["--replica", "origin.db", replica]);
        var fromOrigin = Relay(originAgent.StandardOutput.BaseStream, replicaAgent.StandardInput.BaseStream);
        var fromReplica = Relay(replicaAgent.StandardOutput.BaseStream, originAgent.StandardInput.BaseStream);
        Assert.True(originAgent.WaitForExit(TimeSpan.FromSeconds(30)) && replicaAgent.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(TestDatabase.PageDifference(File.ReadAllBytes(origin), File.ReadAllBytes(replica), PageSize) is null, "the recorded sync did not sync");
        return (fromOrigin.Result, fromReplica.Result);
    }

    private static Task<byte[]> Relay(Stream from, Stream to) => Task.Run(() =>
    {
        var recorded = new MemoryStream();
        var buffer = new byte[65536];
        try
        {
            for (int read; (read = from.Read(buffer)) > 0;)
            {
                recorded.Write(buffer, 0, read);
                to.Write(buffer, 0, read);
                to.Flush();
            }
        }
        catch (IOException)
        {
            // The other side exited first.
        }
        to.Dispose();
        return recorded.ToArray();
    });

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = original.ToList();
        for (int count = random.Next(1, 4); count > 0 && bytes.Count > 8; count--)
        {
            int at = random.Next(bytes.Count - 4);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 40), bytes.Count - at));
                    break;
                case 3:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 40), bytes.Count - at)));
                    break;
                default:
                    uint value = Numbers[random.Next(Numbers.Length)];
                    bytes[at] = (byte)(value >> 24);
                    bytes[at + 1] = (byte)(value >> 16);
                    bytes[at + 2] = (byte)(value >> 8);
                    bytes[at + 3] = (byte)value;
                    break;
            }
        }
        return [.. bytes];
    }
}
