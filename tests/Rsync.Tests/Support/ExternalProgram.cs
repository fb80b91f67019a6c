using System.Diagnostics;

namespace Rsync.Tests.Support;

/// <summary>Runs a program that no one here wrote (xxhsum, sqlite3, python3) as an oracle.</summary>
public static class ExternalProgram
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Runs <paramref name="fileName"/> to completion (at most <paramref name="timeoutSeconds"/>).</summary>
    public static Result Run(string fileName, IEnumerable<string> arguments, string? standardInput = null, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{fileName}' could not be started ({e.Message}); .ci/run installs it with apt-get.", e);
        }

        using (process)
        {
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
}
