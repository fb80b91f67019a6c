using System.Diagnostics;
using System.Globalization;

namespace SqlRsync.Tests.Support;

/// <summary>A `sqlrsync --origin PATH` or `--replica PATH` agent child process, spoken to over its stdin/stdout.</summary>
public sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _standardError;

    public AgentProcess(string mode, string path)
    {
        _process = ExternalProgram.Start("dotnet", [SqlRsyncProgram.DllPath, mode, path, "--busy-timeout", "5"]);
        _standardError = _process.StandardError.ReadToEndAsync();
    }

    public int ProcessId => _process.Id;

    /// <summary>The most memory the agent has had resident so far (VmHWM in /proc/PID/status), in bytes.</summary>
    public long PeakResidentBytes =>
        long.Parse(File.ReadAllLines($"/proc/{_process.Id}/status").Single(line => line.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ',
            StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    public Stream Input => _process.StandardInput.BaseStream;

    public Stream Output => _process.StandardOutput.BaseStream;

    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Waits (at most a minute) for the agent to end; returns its exit code and stderr.</summary>
    public (int ExitCode, string StandardError) WaitForExit()
    {
        if (!_process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException("the agent did not exit within a minute");
        }
        return (_process.ExitCode, _standardError.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
