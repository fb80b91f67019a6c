using System.Diagnostics;

namespace SqlRsync.Tests.Support;

/// <summary>Runs child processes: oracles no one here wrote (xxhsum, sqlite3, python3), agents, shells.</summary>
public static class ExternalProgram
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Starts <paramref name="fileName"/> with stdin, stdout and stderr all redirected to this process.</summary>
    public static Process Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{fileName}' could not be started ({e.Message}); .ci/run installs it with apt-get.", e);
        }
    }

    /// <summary>Runs <paramref name="fileName"/> to completion (at most <paramref name="timeoutSeconds"/>).</summary>
    public static Result Run(string fileName, IEnumerable<string> arguments, string? standardInput = null, int timeoutSeconds = 120,
        string? workingDirectory = null)
    {
        using var process = Start(fileName, arguments, workingDirectory);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName}' did not finish within {timeoutSeconds} s.");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
