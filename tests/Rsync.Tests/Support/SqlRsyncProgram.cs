namespace Rsync.Tests.Support;

/// <summary>Runs the real sqlrsync program (built beside the tests) as a child process.</summary>
public static class SqlRsyncProgram
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "sqlrsync.dll");

    public static ExternalProgram.Result Run(params string[] arguments) =>
        ExternalProgram.Run("dotnet", [DllPath, .. arguments]);
}
