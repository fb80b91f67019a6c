using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>
/// What a user at a terminal sees, under script(1), which runs sqlrsync on a pseudo-terminal and
/// copies everything drawn on it: ssh's questions are never drawn over, and a wait says what it waits for.
/// </summary>
public sealed class TerminalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SshQuestionsAreNotDrawnOver()
    {
        var origin = _dir.File("origin.db");
        TestDatabase.Create(origin, rows: 3000);
        // As ssh does: the question goes to the terminal itself, and the answer takes a moment.
        var askingSsh = LocalSsh.Write(_dir, "asking-ssh", $"""
            printf 'Are you sure you want to continue connecting (yes/no/[fingerprint])? ' > /dev/tty
            sleep 1
            printf 'yes\n' > /dev/tty
            exec '{LocalSsh.Script(_dir)}' "$@"
            """);

        var screen = OnTerminal($"{origin} host:{_dir.File("replica.db")} --ssh {askingSsh} --exe {LocalSsh.Agent(_dir)}");

        int answered = screen.IndexOf("(yes/no/[fingerprint])? yes", StringComparison.Ordinal);
        Assert.True(answered >= 0, screen);
        // Nothing of ours before or over the question; the progress once the remote side answered.
        Assert.DoesNotContain('\r', screen[..answered]);
        Assert.DoesNotContain("starting", screen);
        Assert.Matches(@"\r(sending|committing|finished)", screen[answered..]);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("push")]
    [InlineData("pull")]
    public async Task WaitingForTheReplicasLockIsSaid(string direction)
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        Assert.Equal(0, SqlRsyncProgram.Run(origin, replica).ExitCode);
        string remote = $"--ssh {LocalSsh.Script(_dir)} --exe {LocalSsh.Agent(_dir)}";
        string arguments = direction switch
        {
            "push" => $"{origin} host:{replica} {remote}",
            "pull" => $"host:{origin} {replica} {remote}",
            _ => $"{origin} {replica}",
        };

        string screen;
        using (var writer = TestDatabase.Connect(replica))
        {
            TestDatabase.Execute(writer, "BEGIN IMMEDIATE");
            var release = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                TestDatabase.Execute(writer, "COMMIT");
            });
            screen = OnTerminal($"{arguments} --busy-timeout 60");
            await release;
        }

        Assert.Contains("\rwaiting for the replica's write lock, held by another process: ", screen);
        Assert.Contains(" s of up to 60 s (--busy-timeout)", screen);
        TestDatabase.AssertPageIdentical(origin, replica, 4096);
    }

    /// <summary>Runs sqlrsync with <paramref name="arguments"/> on a pseudo-terminal; what it drew there. It must succeed.</summary>
    private static string OnTerminal(string arguments)
    {
        var run = ExternalProgram.Run("/usr/bin/script", ["-qec", $"dotnet {SqlRsyncProgram.DllPath} {arguments}", "/dev/null"]);
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        return run.StandardOutput;
    }
}
