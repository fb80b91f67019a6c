using System.Diagnostics;
using System.Text;

namespace SqlRsync.Tests.Support;

/// <summary>
/// Debian's sqlite3 shell as another process working on a database while a sync runs: the test
/// feeds it statements; it executes them as they come, with busy timeout 0 (the shell's default).
/// The shell opens its database only at its first statement, so a test that needs the connection
/// in place calls <see cref="Run"/> (or <see cref="WaitUntilOpen"/>) first.
/// </summary>
public sealed class SqliteShell : IDisposable
{
    private static readonly TimeSpan RunTimeLimit = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _outputReader;
    private readonly Task<string> _error;
    private int _markers;

    public SqliteShell(string path)
    {
        _process = ExternalProgram.Start("sqlite3", [path]);
        _outputReader = Task.Run(() =>
        {
            for (string? line; (line = _process.StandardOutput.ReadLine()) is not null;)
            {
                lock (_output)
                {
                    _output.Append(line).Append('\n');
                }
            }
        });
        _error = _process.StandardError.ReadToEndAsync();
    }

    public int ProcessId => _process.Id;

    public void Send(string sql)
    {
        _process.StandardInput.WriteLine(sql);
        _process.StandardInput.Flush();
    }

    /// <summary>Sends <paramref name="sql"/> and waits (at most 30 s) until the shell has executed it.</summary>
    public void Run(string sql)
    {
        string marker = $"sqlite-shell-marker-{++_markers}";
        Send($"{sql}\nSELECT '{marker}';");
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(marker + "\n"))
        {
            if (clock.Elapsed > RunTimeLimit || _process.HasExited)
            {
                throw new TimeoutException($"sqlite3 did not finish \"{sql}\" within {RunTimeLimit.TotalSeconds} s");
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>Makes the shell open its database now, and waits until it has.</summary>
    public void WaitUntilOpen() => Run("");

    /// <summary>Ends the shell's input and returns everything it printed.</summary>
    public (string Output, string Error) Finish()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            _process.Kill();
            throw new TimeoutException("sqlite3 did not finish within 2 minutes");
        }
        _outputReader.Wait();
        return (Output, _error.Result);
    }

    /// <summary>Everything the shell printed so far, with the markers <see cref="Run"/> waited for.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
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
