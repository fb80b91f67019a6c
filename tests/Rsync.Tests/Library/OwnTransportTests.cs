using System.IO.Pipelines;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Library;

/// <summary>
/// A transport written the way outside code would write one, with nothing but the library's public
/// API: an endpoint whose "remote host" is a thread of this process running <see cref="SyncAgent"/>
/// over in-memory pipes. Pushes, pulls and directory syncs go through it as through ssh.
/// </summary>
public sealed class OwnTransportTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task APushAndAPullGoThroughATransportOfOurOwn()
    {
        var origin = _dir.File("origin.db");
        var pushed = _dir.File("pushed.db");
        var pulled = _dir.File("pulled.db");
        TestDatabase.Create(origin, rows: 2000);

        var push = await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), new ThreadEndpoint("box", pushed));
        var pull = await DatabaseSync.RunAsync(new ThreadEndpoint("box", origin), SyncEndpoint.Local(pulled));

        Assert.Equal(push.OriginPageCount, push.PagesSent);
        Assert.Equal(pull.OriginPageCount, pull.PagesSent);
        TestDatabase.AssertSynced(origin, pushed, 4096);
        TestDatabase.AssertSynced(origin, pulled, 4096);
    }

    [Fact]
    public async Task ADirectoryGoesThroughATransportOfOurOwn()
    {
        var origins = Directory.CreateDirectory(_dir.File("origins")).FullName;
        var replicas = Directory.CreateDirectory(_dir.File("replicas")).FullName;
        TestDatabase.Create(Path.Join(origins, "a.db"), rows: 500);
        TestDatabase.Create(Path.Join(origins, "b.db"), rows: 700, seed: 2);

        var result = await DatabaseSync.RunDirectoryAsync(SyncEndpoint.Local(origins), new ThreadEndpoint("box", replicas));

        Assert.All(result.Databases, database => Assert.True(database.Succeeded, database.Failure?.Message));
        TestDatabase.AssertSynced(Path.Join(origins, "a.db"), Path.Join(replicas, "a.db"), 4096);
        TestDatabase.AssertSynced(Path.Join(origins, "b.db"), Path.Join(replicas, "b.db"), 4096);
    }

    [Fact]
    public async Task TheAgentsOwnFailureReachesTheCallerInItsWords()
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);

        var error = await Assert.ThrowsAsync<SyncException>(() =>
            DatabaseSync.RunAsync(SyncEndpoint.Local(origin), new ThreadEndpoint("box", _dir.File("missing-directory/replica.db"))));

        Assert.Equal(SyncFailure.NotFound, error.Reason);
        Assert.StartsWith("box: ", error.Message);
        Assert.Contains("does not exist (create it first)", error.Message);
    }

    /// <summary>The database at <paramref name="path"/>, served by an agent on a thread.</summary>
    private sealed class ThreadEndpoint(string host, string path) : RemoteEndpoint(host, path)
    {
        public override RemoteAgent StartAgent(AgentRequest request) => new ThreadAgent(Host, request);
    }

    /// <summary>An agent on a thread of this process, joined by two in-memory pipes.</summary>
    private sealed class ThreadAgent : RemoteAgent
    {
        private readonly Pipe _toAgent = new();
        private readonly Pipe _fromAgent = new();
        private readonly Task _agent;

        public ThreadAgent(string host, AgentRequest request)
        {
            Host = host;
            FromAgent = _fromAgent.Reader.AsStream();
            ToAgent = _toAgent.Writer.AsStream();
            _agent = Task.Run(() =>
            {
                try
                {
                    SyncAgent.Run(request, _toAgent.Reader.AsStream(), _fromAgent.Writer.AsStream());
                }
                finally
                {
                    _toAgent.Reader.Complete();
                    _fromAgent.Writer.Complete();
                }
            });
        }

        public override string Host { get; }

        public override Stream FromAgent { get; }

        public override Stream ToAgent { get; }

        public override void Finish()
        {
            _toAgent.Writer.Complete();
            _agent.GetAwaiter().GetResult();
        }

        public override void Kill()
        {
            _toAgent.Writer.Complete();
            _fromAgent.Reader.Complete();
        }

        protected override SyncException ExplainBreak(SyncException failure) => failure;

        public override void Dispose()
        {
            Kill();
            try
            {
                _agent.Wait();
            }
            catch (AggregateException)
            {
            }
        }
    }
}
