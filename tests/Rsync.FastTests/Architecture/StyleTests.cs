using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Architecture;

/// <summary>House rules the compiler does not check: lines a reader can see whole.</summary>
public class StyleTests
{
    private const int LongestLine = 160;

    /// <summary>The folders whose C# this rule covers.</summary>
    private static readonly string[] Folders = ["src", "tests", "bench", "samples"];

    [Fact]
    public void NoLineOfCodeIsLongerThan160Characters()
    {
        var root = Repository.File("");
        var sources = Folders
            .Select(folder => Path.Combine(root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(sources);

        var tooLong = sources.SelectMany(path => File.ReadLines(path).Select((line, at) => (path, at, line)))
            .Where(entry => entry.line.Length > LongestLine)
            .Select(entry => $"{Path.GetRelativePath(root, entry.path)}:{entry.at + 1} ({entry.line.Length})")
            .ToList();

        Assert.True(tooLong.Count == 0, $"lines over {LongestLine} characters:\n{string.Join('\n', tooLong)}");
    }
}
