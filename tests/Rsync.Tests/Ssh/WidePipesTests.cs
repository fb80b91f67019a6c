using System.Diagnostics;
using System.IO.Pipes;
using SqlRsync.Platform;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Ssh;

/// <summary>The 1 MiB pipes to and from ssh, as the kernel reports their size (F_GETPIPE_SZ).</summary>
public class WidePipesTests
{
    private const int LinuxDefault = 65536;

    [Fact]
    public void TheStdinAndStdoutOfAChildProcessAreWidened()
    {
        var start = new ProcessStartInfo("cat") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var child = Process.Start(start)!;
        try
        {
            var pipes = new WidePipes(mostAtOnce: 2 * WidePipes.Bytes);
            foreach (var stream in new[] { child.StandardInput.BaseStream, child.StandardOutput.BaseStream })
            {
                int fd = (int)((PipeStream)stream).SafePipeHandle.DangerousGetHandle();
                Assert.Equal(LinuxDefault, PipeSize.Of(fd));
                Assert.Equal(WidePipes.Bytes, pipes.Widen(stream));
                Assert.Equal(WidePipes.Bytes, PipeSize.Of(fd));
            }
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Fact]
    public void WhatIsNotAPipeIsLeftAsItWas()
    {
        using var dir = new TempDirectory();
        using var file = new FileStream(dir.File("plain"), FileMode.CreateNew);
        var pipes = new WidePipes(mostAtOnce: WidePipes.Bytes);

        Assert.Equal(0, pipes.Widen(file));
        Assert.Equal(0, pipes.Widen((int)file.SafeFileHandle.DangerousGetHandle()));
        // Nothing was taken from the budget by the refusals: a pipe still gets its mebibyte.
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        Assert.Equal(WidePipes.Bytes, pipes.Widen(pipe));
    }

    [Fact]
    public void NoMoreThanTheBudgetIsWideAtOnce()
    {
        var pipes = new WidePipes(mostAtOnce: 2 * WidePipes.Bytes);
        using var first = new AnonymousPipeServerStream(PipeDirection.Out);
        using var second = new AnonymousPipeServerStream(PipeDirection.Out);
        using var third = new AnonymousPipeServerStream(PipeDirection.Out);
        int thirdFd = (int)third.SafePipeHandle.DangerousGetHandle();

        Assert.Equal(WidePipes.Bytes, pipes.Widen(first));
        Assert.Equal(WidePipes.Bytes, pipes.Widen(second));
        Assert.Equal(0, pipes.Widen(third));
        Assert.Equal(LinuxDefault, PipeSize.Of(thirdFd));

        pipes.Release(WidePipes.Bytes);
        Assert.Equal(WidePipes.Bytes, pipes.Widen(third));
        Assert.Equal(WidePipes.Bytes, PipeSize.Of(thirdFd));
    }
}
