using SqlRsync.Engine.Compression;

namespace SqlRsync.Tests.Sync;

public class AdaptiveCompressionTests
{
    [Fact]
    public void PausesAfterPagesThatDoNotShrinkAndTriesAgainLater()
    {
        var compression = new AdaptiveCompression(enabled: true);
        for (int i = 0; i < 64; i++)
        {
            Assert.True(compression.ShouldTry());
            compression.Record(4096, 4096);
        }
        Assert.Equal(1024, Enumerable.Range(0, 1024).Count(_ => !compression.ShouldTry()));
        Assert.True(compression.ShouldTry());
    }

    [Fact]
    public void KeepsCompressingPagesThatShrink()
    {
        var compression = new AdaptiveCompression(enabled: true);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(compression.ShouldTry());
            compression.Record(4096, 1500);
        }
        Assert.False(new AdaptiveCompression(enabled: false).ShouldTry());
    }
}
