using System.Diagnostics;

namespace Rsync.Tests.Support;

/// <summary>
/// Debian's sqlite3 shell as another process working on a database while a sync runs: the test
/// feeds it statements; it executes them as they come, with busy timeout 0 (the shell's default).
/// </summary>
public sealed class SqliteShell : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _error;

    public SqliteShell(string path)
    {
        _process = ExternalProgram.Start("sqlite3", [path]);
        _output = _process.StandardOutput.ReadToEndAsync();
        _error = _process.StandardError.ReadToEndAsync();
    }

    public void Send(string sql)
    {
        _process.StandardInput.WriteLine(sql);
        _process.StandardInput.Flush();
    }

    /// <summary>Ends the shell's input and returns everything it printed.</summary>
    public (string Output, string Error) Finish()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            _process.Kill();
            throw new TimeoutException("sqlite3 did not finish within 2 minutes");
        }
        return (_output.Result, _error.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        _process.Dispose();
    }
}
