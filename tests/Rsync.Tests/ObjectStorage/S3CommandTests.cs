using System.Diagnostics;
using System.Text.Json;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// The sqlrsync program with s3://BUCKET/PREFIX sides against a real Swift, credentials in the
/// environment as AWS tools take them, the server given by --s3-endpoint or AWS_ENDPOINT_URL.
/// </summary>
public sealed class S3CommandTests(SwiftServer swift) : IClassFixture<SwiftServer>
{
    private const string WrongSecret = "not-the-secret-77d2e0";

    [SkippableFact]
    public void AnArchiveInABucketIsAddedToListedRestoredVerifiedAndPruned()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 1000);
        var older = dir.File("older.db");
        var url = $"s3://{SwiftBuckets.New(swift)}/backups/app";

        AssertSucceeded(Run([origin, url, "--s3-endpoint", swift.Endpoint]));
        File.Copy(origin, older);
        TestDatabase.Change(origin, Situation.OnePercentChanged);
        // The endpoint from the environment this time, as AWS tools take it.
        AssertSucceeded(Run([origin, url], ("AWS_ENDPOINT_URL", swift.Endpoint)));

        var listed = Run(["--list", url, "--json", "--s3-endpoint", swift.Endpoint]);
        AssertSucceeded(listed);
        using var list = JsonDocument.Parse(listed.StandardOutput);
        var ids = list.RootElement.GetProperty("snapshots").EnumerateArray().Select(snapshot => snapshot.GetProperty("id").GetString()!).ToList();
        Assert.Equal(2, ids.Count);
        Assert.DoesNotContain(SwiftServer.SecretKey, listed.StandardOutput, StringComparison.Ordinal);

        var restored = dir.File("restored.db");
        AssertSucceeded(Run([url, restored, "--at", ids[0], "--s3-endpoint", swift.Endpoint]));
        TestDatabase.AssertSynced(older, restored, 4096);
        AssertSucceeded(Run([url, restored, "--s3-endpoint", swift.Endpoint]));
        TestDatabase.AssertSynced(origin, restored, 4096);
        AssertSucceeded(Run(["--verify", url, "--s3-endpoint", swift.Endpoint]));
        AssertSucceeded(Run(["--prune", url, "--keep-last", "1", "--s3-endpoint", swift.Endpoint]));
        var afterPrune = Run(["--list", url, "--json", "--s3-endpoint", swift.Endpoint]);
        using var kept = JsonDocument.Parse(afterPrune.StandardOutput);
        Assert.Equal([ids[1]], kept.RootElement.GetProperty("snapshots").EnumerateArray().Select(snapshot => snapshot.GetProperty("id").GetString()));
    }

    /// <summary>Native AOT keeps what AWSSDK reaches by reflection or not: the single file must add, list and restore too.</summary>
    [SkippableFact]
    public void TheNativeProgramAddsListsAndRestores()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        Skip.If(NativeProgram.Unavailable is not null, NativeProgram.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 500);
        var url = $"s3://{SwiftBuckets.New(swift)}/native";
        (string, string)[] server = [("AWS_ENDPOINT_URL", swift.Endpoint)];

        AssertSucceeded(Run(NativeProgram.Path, [origin, url], server));
        var listed = Run(NativeProgram.Path, ["--list", url, "--json"], server);
        AssertSucceeded(listed);
        var restored = dir.File("restored.db");
        AssertSucceeded(Run(NativeProgram.Path, [url, restored], server));

        using var list = JsonDocument.Parse(listed.StandardOutput);
        Assert.Single(list.RootElement.GetProperty("snapshots").EnumerateArray());
        TestDatabase.AssertSynced(origin, restored, 4096);
        var refused = Run(NativeProgram.Path, [origin, url], [.. server, ("AWS_SECRET_ACCESS_KEY", WrongSecret)]);
        Assert.Contains("refused the credentials", SqlRsyncProgram.AssertErrorLine(refused, 1), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ADirectoryOfDatabasesGoesIntoAnArchivePerDatabase()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var databases = dir.File("databases");
        Directory.CreateDirectory(databases);
        TestDatabase.Create(Path.Combine(databases, "a.db"), rows: 100);
        TestDatabase.Create(Path.Combine(databases, "b.db"), rows: 200);
        var root = $"s3://{SwiftBuckets.New(swift)}/tenants";

        AssertSucceeded(Run([databases + "/", root, "--s3-endpoint", swift.Endpoint]));

        foreach (var name in (string[])["a.db", "b.db"])
        {
            var restored = dir.File($"{name}.restored");
            AssertSucceeded(Run([$"{root}/{name}", restored, "--s3-endpoint", swift.Endpoint]));
            TestDatabase.AssertSynced(Path.Combine(databases, name), restored, 4096);
        }
    }

    [SkippableFact]
    public void AWrongSecretIsOneErrorLineWithoutIt()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 100);
        var url = $"s3://{SwiftBuckets.New(swift)}/app";

        var result = Run([origin, url, "--s3-endpoint", swift.Endpoint, "--json"], ("AWS_SECRET_ACCESS_KEY", WrongSecret));

        var line = SqlRsyncProgram.AssertErrorLine(result, 1);
        Assert.Contains("refused the credentials", line, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A profile AWS_PROFILE names that is nowhere: one line naming it, for an add and a listing alike (it was a crash).</summary>
    [Fact]
    public void AProfileThatDoesNotExistIsOneErrorLineNamingIt()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);

        foreach (var arguments in new[] { new[] { origin, "s3://bucket/app" }, ["--list", "s3://bucket/app"] })
        {
            var result = Run([.. arguments, "--s3-endpoint", "http://127.0.0.1:1"], ("AWS_PROFILE", "nowhere"), ("AWS_ACCESS_KEY_ID", ""),
                ("AWS_SECRET_ACCESS_KEY", ""));
            var line = SqlRsyncProgram.AssertErrorLine(result, 1);
            Assert.Contains("\"nowhere\" profile", line, StringComparison.Ordinal);
            Assert.Contains("AWS_PROFILE must name a profile", line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("s3://Bad_Bucket/x", "not a valid S3 bucket name")]
    [InlineData("s3://key:" + WrongSecret + "@bucket/x", "carries no credentials")]
    public void AMalformedUrlIsAUsageError(string url, string expected)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 10);

        foreach (var arguments in new[] { new[] { origin, url }, ["--list", url] })
        {
            var line = SqlRsyncProgram.AssertErrorLine(Run(arguments), 2);
            Assert.Contains(expected, line, StringComparison.Ordinal);
            Assert.DoesNotContain("(Parameter", line, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongSecret, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnS3EndpointWithoutAnS3SideIsAUsageError()
    {
        var line = SqlRsyncProgram.AssertErrorLine(Run(["a.db", "b.db", "--s3-endpoint", "http://127.0.0.1:1"]), 2);

        Assert.Contains("--s3-endpoint", line, StringComparison.Ordinal);
    }

    private static void AssertSucceeded(ExternalProgram.Result result) =>
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");

    /// <summary>
    /// Runs sqlrsync with Swift's credentials and region in its environment (and <paramref name="environment"/>), none from
    /// this machine's ~/.aws: HOME is a directory of its own.
    /// </summary>
    internal static ExternalProgram.Result Run(string[] arguments, params (string Name, string Value)[] environment) =>
        Run("dotnet", [SqlRsyncProgram.DllPath, .. arguments], environment);

    private static ExternalProgram.Result Run(string program, string[] arguments, (string Name, string Value)[] environment)
    {
        using var home = new TempDirectory();
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in new[] { "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["HOME"] = home.Path;
        start.Environment["AWS_ACCESS_KEY_ID"] = SwiftServer.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = SwiftServer.SecretKey;
        start.Environment["AWS_REGION"] = SwiftServer.Region;
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sqlrsync {string.Join(' ', arguments)} did not finish within 2 minutes");
        }
        return new ExternalProgram.Result(process.ExitCode, output.Result, error.Result);
    }
}
