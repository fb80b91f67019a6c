using FsCheck;
using FsCheck.Fluent;
using SqlRsync.Tests.Support;
using Xunit.Abstractions;

namespace SqlRsync.Tests.Reliability;

/// <summary>
/// Seeded property test over both roles: random bytes and mutated real transcripts (bit flips,
/// truncations, dropped, duplicated and swapped frames, huge announced lengths, wrong page numbers and
/// page counts such as 0 and 2^32-1). Every case ends in bounded time with either a one-line
/// SyncException or success; the replica is byte-for-byte as before unless the sync committed the
/// origin's exact pages, and the origin never changes. Two pairs of databases: one of 34 pages (its hashes fit the top
/// level) and one of a few hundred, with deltas, whose transcripts carry the levels a replica sends unasked, the leaf
/// check and its answer with block hashes.
/// SQLRSYNC_FUZZ_CASES sets the number of cases (default 10,000); SQLRSYNC_FUZZ_SEED the seed.
/// </summary>
public sealed class ProtocolFuzzTests(ITestOutputHelper log) : IDisposable
{
    private const int PageSize = 1024;
    private static readonly SyncOptions Settings = new() { BusyTimeout = TimeSpan.Zero };
    private static readonly TimeSpan CaseTimeLimit = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _dir = new(inMemory: true);

    private enum Target
    {
        ExistingReplica,
        NewReplica,
        Origin,
        WideExistingReplica,
        WideOrigin,
    }

    /// <summary>An origin and a replica to fuzz, as they were before, and the transcripts of their real syncs.</summary>
    private sealed record Pair(string Origin, byte[] OriginBytes, string Replica, byte[] OldReplicaBytes, string OldRecord, Transcript Update,
        Transcript? Created);

    /// <summary>One change to a transcript; the numbers are reduced modulo the transcript's size when applied.</summary>
    private sealed record Mutation(int Kind, int Where, int Other, uint Value);

    private sealed record FuzzCase(Target Target, bool RandomBytes, int RandomSeed, Mutation[] Mutations);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void NoInputDamagesEitherDatabase()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("SQLRSYNC_FUZZ_CASES"), out int n) ? n : 10_000;
        ulong seed = ulong.TryParse(Environment.GetEnvironmentVariable("SQLRSYNC_FUZZ_SEED"), out ulong s) ? s : 20261121;

        var origin = _dir.File("origin.db");
        var oldReplica = _dir.File("old-replica.db");
        TestDatabase.Create(origin, rows: 120, journalMode: "delete", pageSize: PageSize, seed: 1);
        TestDatabase.CreateReplica(oldReplica, rows: 120, journalMode: "delete", pageSize: PageSize, seed: 2);
        var originBytes = File.ReadAllBytes(origin);
        var oldReplicaBytes = File.ReadAllBytes(oldReplica);
        var oldRecord = File.ReadAllText(oldReplica + "-sqlrsync");
        File.Delete(oldReplica + "-sqlrsync");
        var replica = _dir.File("replica.db");
        File.WriteAllBytes(replica, oldReplicaBytes);
        File.WriteAllText(replica + "-sqlrsync", oldRecord);
        var update = Transcript.Record(origin, replica, Settings);
        var created = Transcript.Record(origin, _dir.File("new.db"), Settings);
        File.Delete(_dir.File("new.db"));
        File.Delete(_dir.File("new.db-sqlrsync"));
        var small = new Pair(origin, originBytes, replica, oldReplicaBytes, oldRecord, update, created);
        var wide = WidePair();

        var counts = new Dictionary<string, int>();
        var property = Prop.ForAll(CaseGenerator().ToArbitrary(), fuzzCase =>
        {
            var outcome = RunCase(fuzzCase, fuzzCase.Target is Target.WideExistingReplica or Target.WideOrigin ? wide : small);
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithReplay(seed, 1442695040888963407UL).WithQuietOnSuccess(true), property);

        log.WriteLine($"{cases} cases, seed {seed}, {clock.Elapsed.TotalSeconds:0.0} s: " +
                      string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
        Assert.Equal(cases, counts.Values.Sum());
        Assert.True(counts.GetValueOrDefault("refused") > cases / 2, "most mutated inputs must be refused");
        Assert.True(counts.GetValueOrDefault("committed") > 0, "unmutated transcripts must commit");
    }

    /// <summary>
    /// A replica of a few hundred 1 KiB pages and its origin, where every 40th row changed: its transcripts (with deltas)
    /// carry levels sent unasked, a leaf check and block hashes.
    /// </summary>
    private Pair WidePair()
    {
        // A directory of its own, laid out as the small pair's: the origin, the old replica, the replica.
        var dir = Directory.CreateDirectory(_dir.File("wide")).FullName;
        var origin = Path.Combine(dir, "origin.db");
        var replica = Path.Combine(dir, "replica.db");
        TestDatabase.Create(origin, rows: 1000, journalMode: "delete", pageSize: PageSize, seed: 3);
        Syncs.Local(origin, replica);
        File.Copy(replica, Path.Combine(dir, "old-replica.db"));
        TestDatabase.Sqlite3Cli(origin, "UPDATE items SET body = randomblob(length(body)) WHERE id % 40 = 0");
        var oldReplicaBytes = File.ReadAllBytes(replica);
        var oldRecord = File.ReadAllText(replica + "-sqlrsync");
        var update = Transcript.Record(origin, replica, Settings with { Delta = true });
        Assert.Contains(Transcript.Frames(update.FromOrigin), frame => frame[0] == (byte)Protocol.MessageType.LeafCheck);
        return new Pair(origin, File.ReadAllBytes(origin), replica, oldReplicaBytes, oldRecord, update, null);
    }

    private static string RunCase(FuzzCase fuzzCase, Pair pair)
    {
        var (origin, originBytes, replica, oldReplicaBytes, oldRecord, update, created) = pair;
        byte[] input = fuzzCase.RandomBytes
            ? RandomInput(fuzzCase.RandomSeed)
            : Mutate(fuzzCase.Target switch
            {
                Target.ExistingReplica or Target.WideExistingReplica => update.FromOrigin,
                Target.NewReplica => created!.FromOrigin,
                _ => update.FromReplica,
            }, fuzzCase.Mutations);
        bool replicaExisted = fuzzCase.Target != Target.NewReplica;
        var record = replica + "-sqlrsync";
        if (replicaExisted)
        {
            File.WriteAllBytes(replica, oldReplicaBytes);
            File.WriteAllText(record, oldRecord);
        }
        else
        {
            File.Delete(replica);
            File.Delete(record);
        }

        var run = Task.Run(() =>
        {
            if (fuzzCase.Target is Target.Origin or Target.WideOrigin)
            {
                Syncs.Origin(origin, new MemoryStream(input), Stream.Null, Settings);
            }
            else
            {
                Syncs.Replica(replica, new MemoryStream(input), Stream.Null, Settings);
            }
        });
        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(CaseTimeLimit), "a case did not end within its time limit");
        string outcome;
        if (run.IsFaulted)
        {
            var error = run.Exception!.InnerException!;
            Assert.True(error is SyncException, $"unexpected {error.GetType().Name}: {error}");
            Assert.DoesNotContain('\n', error.Message);
            outcome = "refused";
        }
        else
        {
            outcome = "committed";
        }

        Assert.True(originBytes.AsSpan().SequenceEqual(File.ReadAllBytes(origin)), "the origin changed");
        if (fuzzCase.Target is Target.Origin or Target.WideOrigin)
        {
            return outcome;
        }
        bool exists = File.Exists(replica);
        var after = exists ? File.ReadAllBytes(replica) : null;
        bool unchanged = replicaExisted ? after is not null && after.AsSpan().SequenceEqual(oldReplicaBytes) : after is null;
        bool isOrigin = after is not null && TestDatabase.PageDifference(originBytes, after, PageSize) is null;
        Assert.True(outcome == "refused" ? unchanged : isOrigin, $"replica after a {outcome} case is neither as before nor the origin");
        // A commit leaves the replica's state record beside it; a refusal leaves the old one as it was, or none.
        Assert.Equal(outcome == "committed" || replicaExisted, File.Exists(record));
        Assert.True(outcome == "committed" || !replicaExisted || File.ReadAllText(record) == oldRecord, "a refused case changed the record");
        var files = Directory.GetFiles(Path.GetDirectoryName(replica)!).Select(Path.GetFileName).Order().ToList();
        Assert.True((exists ? 3 : 2) + (File.Exists(record) ? 1 : 0) == files.Count, $"a journal or temporary file was left: {string.Join(", ", files)}");
        return outcome;
    }

    private static Gen<FuzzCase> CaseGenerator()
    {
        var mutation =
            from kind in Gen.Choose(0, 6)
            from position in Gen.Choose(0, int.MaxValue)
            from other in Gen.Choose(0, int.MaxValue)
            from value in Gen.Elements(0u, 1u, 2u, 119u, 120u, 121u, 0x7FFFFFFFu, 0xFFFFFFFEu, 0xFFFFFFFFu, 1_048_577u)
            select new Mutation(kind, position, other, value);
        return
            from target in Gen.Elements(Target.ExistingReplica, Target.NewReplica, Target.Origin, Target.WideExistingReplica, Target.WideOrigin)
            from randomBytes in Gen.Frequency((1, Gen.Constant(true)), (9, Gen.Constant(false)))
            from randomSeed in Gen.Choose(0, int.MaxValue)
            from count in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Constant(1)), (3, Gen.Choose(2, 4)))
            from mutations in Gen.ArrayOf(mutation, count)
            select new FuzzCase(target, randomBytes, randomSeed, mutations);
    }

    /// <summary>Random bytes, half of the time after a valid-looking frame header so the reader gets past the first check.</summary>
    private static byte[] RandomInput(int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        if (bytes.Length >= 5 && random.Next(2) == 0)
        {
            bytes[0] = (byte)random.Next(1, 0x23);
            BitConverter.TryWriteBytes(bytes.AsSpan(1), (uint)random.Next(0, bytes.Length));
        }
        return bytes;
    }

    private static byte[] Mutate(byte[] transcript, Mutation[] mutations)
    {
        var frames = Transcript.Frames(transcript);
        byte[]? cut = null;
        foreach (var m in mutations)
        {
            int i = m.Where % frames.Count, j = m.Other % frames.Count;
            var frame = frames[i];
            switch (m.Kind)
            {
                case 0:  // flip one bit anywhere in the frame
                    frame = frame.ToArray();
                    frame[m.Other % frame.Length] ^= (byte)(1 << (m.Other % 8));
                    frames[i] = frame;
                    break;
                case 1:  // drop a frame
                    if (frames.Count > 1)
                    {
                        frames.RemoveAt(i);
                    }
                    break;
                case 2:  // duplicate a frame
                    frames.Insert(i, frame);
                    break;
                case 3:  // swap two frames
                    (frames[i], frames[j]) = (frames[j], frames[i]);
                    break;
                case 4:  // announce a huge or wrong length
                    frame = frame.ToArray();
                    BitConverter.TryWriteBytes(frame.AsSpan(1), m.Value);
                    frames[i] = frame;
                    break;
                case 5:  // a page number, page count or node index of 0, 2^32-1, one past the end, ...
                    frame = frame.ToArray();
                    int offset = 5 + (m.Other % 2) * 4;
                    if (frame.Length >= offset + 4)
                    {
                        BitConverter.TryWriteBytes(frame.AsSpan(offset), m.Value);
                    }
                    frames[i] = frame;
                    break;
                default:  // truncate the transcript
                    var whole = frames.SelectMany(f => f).ToArray();
                    cut = whole[..(m.Other % (whole.Length + 1))];
                    break;
            }
        }
        return cut ?? frames.SelectMany(f => f).ToArray();
    }
}
