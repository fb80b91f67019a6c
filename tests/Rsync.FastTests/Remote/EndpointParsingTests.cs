using SqlRsync.Cli;

namespace SqlRsync.Tests.Remote;

/// <summary>How the command line reads a side (PATH or [USER@]HOST:PATH) and an --ssh command.</summary>
public class EndpointParsingTests
{
    [Theory]
    [InlineData("app.db", null, "app.db")]
    [InlineData("/srv/a:b.db", null, "/srv/a:b.db")]
    [InlineData("./a:b.db", null, "./a:b.db")]
    [InlineData("dir/a:b.db", null, "dir/a:b.db")]
    [InlineData("db2:/srv/app.db", "db2", "/srv/app.db")]
    [InlineData("backup@db2:/srv/app.db", "backup@db2", "/srv/app.db")]
    [InlineData("db2:relative.db", "db2", "relative.db")]
    [InlineData("[::1]:/srv/app.db", "[::1]", "/srv/app.db")]
    [InlineData("me@[fe80::1]:/x.db", "me@[fe80::1]", "/x.db")]
    public void ParsesLikeScp(string text, string? host, string path)
    {
        var endpoint = Endpoint.Parse(text);
        Assert.Equal(host, endpoint.Host);
        Assert.Equal(path, endpoint.Path);
    }

    /// <summary>s3://BUCKET/PREFIX has its ':' before its first '/', as HOST:PATH does, and is object storage, never a host "s3".</summary>
    [Theory]
    [InlineData("s3://bucket/backups/app", true)]
    [InlineData("S3://bucket", true)]
    [InlineData("./s3://bucket", false)]
    public void AnS3UrlIsObjectStorage(string text, bool objectStorage)
    {
        var endpoint = Endpoint.Parse(text);
        Assert.Equal((objectStorage, false, text), (endpoint.IsObjectStorage, endpoint.IsRemote, endpoint.Path));
    }

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3://Not_A_Bucket/x")]
    [InlineData("db2:")]
    [InlineData("@:/x.db")]
    [InlineData("-oProxyCommand=x:/x.db")]
    [InlineData("db2:/a\nb.db")]
    public void RefusesWhatCannotBeAnEndpoint(string text)
    {
        Assert.Throws<FormatException>(() => Endpoint.Parse(text));
    }

    [Fact]
    public void SplitsSshCommandsLikeAShell()
    {
        Assert.Equal(["ssh", "-i", "/k ey", "-o", "ConnectTimeout=5"], SshCommandWords.Split("ssh -i '/k ey' -o ConnectTimeout=5"));
        Assert.Equal(["ssh", "-F", "a \"b\""], SshCommandWords.Split("ssh -F \"a \\\"b\\\"\""));
        Assert.Throws<FormatException>(() => SshCommandWords.Split("ssh 'unclosed"));
    }
}
