using SqlRsync.Protocol;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>
/// Two syncs into one replica never interleave: while one holds the replica's write transaction, a
/// second waits up to --busy-timeout, then either fails with a clear line or goes ahead once the first ends.
/// </summary>
public class OverlappingRunsTests
{
    [Fact]
    public async Task SecondRunWaitsForTheFirstAndFailsClearlyPastItsBusyTimeout()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        TestDatabase.Change(origin, Situation.OnePercentChanged);

        // The first run: a real origin agent and replica agent, relayed by the test, paused once the
        // replica holds its write transaction (it announces its ReplicaInfo only after taking it).
        using var firstOrigin = new AgentProcess("--origin", origin);
        using var firstReplica = new AgentProcess("--replica", replica);
        var toReplica = StreamRelay.Start(firstOrigin.Output, firstReplica.Input);
        var held = ReadFramesThrough(firstReplica.Output, MessageType.ReplicaInfo);

        var refused = SqlRsyncProgram.Run(origin, replica, "--busy-timeout", "1");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"sqlrsync: error: replica {replica} is locked by another writer; gave up after 1 s (raise --busy-timeout or retry later)\n",
            refused.StandardError);

        using var patient = ExternalProgram.Start("dotnet", [SqlRsyncProgram.DllPath, origin, replica, "--busy-timeout", "60"]);
        var patientError = patient.StandardError.ReadToEndAsync();
        Assert.False(patient.WaitForExit(TimeSpan.FromSeconds(2)), "the second run finished while the first held the replica");

        firstOrigin.Input.Write(held);
        var toOrigin = StreamRelay.Start(firstReplica.Output, firstOrigin.Input);
        Assert.Equal(0, firstOrigin.WaitForExit().ExitCode);
        Assert.Equal(0, firstReplica.WaitForExit().ExitCode);
        Assert.True(patient.WaitForExit(TimeSpan.FromMinutes(1)), "the second run did not finish");
        Assert.True(patient.ExitCode == 0, await patientError);
        await Task.WhenAll(toReplica, toOrigin);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    /// <summary>Reads frames up to and including one of <paramref name="last"/>; returns them as bytes to pass on later.</summary>
    private static byte[] ReadFramesThrough(Stream input, MessageType last)
    {
        var reader = new FrameReader(input);
        var held = new MemoryStream();
        var writer = new FrameWriter(held);
        for (int frames = 0; frames < 16; frames++)
        {
            var (type, payload) = reader.Read();
            writer.Write(type, payload.Span);
            if (type == last)
            {
                writer.Flush();
                return held.ToArray();
            }
        }
        throw new InvalidDataException($"no {last} frame among the first 16");
    }
}
