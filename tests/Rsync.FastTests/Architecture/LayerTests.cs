using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace SqlRsync.Tests.Architecture;

/// <summary>
/// The library's layers only look down (src/Rsync.Core/README.md): each namespace uses the ones below
/// it and the public vocabulary (options, results, exceptions, endpoints), never a layer above it, a
/// sibling beside it, or the entry points that start a sync.
/// </summary>
public class LayerTests
{
    private static readonly Assembly Core = typeof(DatabaseSync).Assembly;

    /// <summary>Top to bottom; the namespaces of one row are siblings, which must not use each other either.</summary>
    private static readonly string[][] Layers =
    [
        ["SqlRsync.Topologies"],
        ["SqlRsync.Links"],
        ["SqlRsync.Dialects", "SqlRsync.Dialects.Sqlite3Rsync"],
        ["SqlRsync.Engine"],
        ["SqlRsync.Engine.Archives"],
        ["SqlRsync.Engine.Safety", "SqlRsync.Engine.HashTrees", "SqlRsync.Engine.Deltas", "SqlRsync.Engine.Compression"],
        ["SqlRsync.Engine.Pages"],
        ["SqlRsync.Engine.Sqlite", "SqlRsync.Storage"],
        ["SqlRsync.Platform"],
    ];

    /// <summary>The types of the public surface that start syncs: only the public surface itself may use them.</summary>
    private static readonly string[] EntryPoints = ["SqlRsync.DatabaseSync", "SqlRsync.SnapshotArchives", "SqlRsync.SyncAgent"];

    public static TheoryData<string> LayeredNamespaces => [.. Layers.SelectMany(row => row)];

    [Theory]
    [MemberData(nameof(LayeredNamespaces))]
    public void ANamespaceUsesNothingAboveOrBesideIt(string name)
    {
        int row = Array.FindIndex(Layers, layer => layer.Contains(name));
        var forbidden = Layers.Take(row).SelectMany(layer => layer).Concat(Layers[row].Where(sibling => sibling != name));

        var failing = Failing(name, [.. TypesIn(forbidden), .. EntryPoints]);

        Assert.True(failing.Count == 0, $"{name} uses what it must not:\n{string.Join('\n', failing)}");
    }

    [Fact]
    public void EveryNamespaceOfTheLibraryHasItsPlace()
    {
        var placed = Layers.SelectMany(row => row).Append("SqlRsync").ToHashSet();

        var unplaced = Core.GetTypes().Select(type => type.Namespace).OfType<string>().Where(name => name.StartsWith("SqlRsync",
            StringComparison.Ordinal)).Distinct()
            .Where(name => !placed.Contains(name)).ToList();

        Assert.True(unplaced.Count == 0, $"namespaces in no layer: {string.Join(", ", unplaced)}");
    }

    [Fact]
    public void ThePublicVocabularyUsesNoTopologyLinkOrDialect()
    {
        var failing = Failing("SqlRsync", [.. TypesIn(Layers.Take(3).SelectMany(row => row))], except: EntryPoints);

        Assert.True(failing.Count == 0, $"the public vocabulary uses what it must not:\n{string.Join('\n', failing)}");
    }

    /// <summary>
    /// The program and the transports (ssh, S3) use the library as outside code would: only its public
    /// API (no assembly but the tests and benchmarks sees its internals), and never the protocol assembly.
    /// </summary>
    [Fact]
    public void TheProgramAndTheTransportsUseOnlyThePublicApi()
    {
        var program = typeof(SqlRsync.Cli.Program).Assembly;
        Assembly[] transports = [typeof(SqlRsync.Ssh.OpenSshEndpoint).Assembly, typeof(SqlRsync.S3.S3Storage).Assembly];
        var protocol = typeof(Protocol.ProtocolException).Assembly;

        foreach (var library in new[] { Core, protocol }.Concat(transports))
        {
            var friends = library.GetCustomAttributes<InternalsVisibleToAttribute>().Select(friend => friend.AssemblyName).ToList();
            Assert.DoesNotContain(program.GetName().Name, friends);
            Assert.All(transports, transport => Assert.DoesNotContain(transport.GetName().Name, friends));
        }
        foreach (var user in transports.Prepend(program))
        {
            Assert.DoesNotContain(protocol.GetName().Name, user.GetReferencedAssemblies().Select(reference => reference.Name));
        }
    }

    /// <summary>The transports' client libraries (SSH.NET, AWSSDK) stay in their packages: a library user who needs neither gets neither.</summary>
    [Fact]
    public void TheLibraryReferencesNoTransportsClient()
    {
        var referenced = Core.GetReferencedAssemblies().Select(reference => reference.Name ?? "").ToList();

        Assert.DoesNotContain(referenced, name => name.StartsWith("AWSSDK", StringComparison.Ordinal)
            || name.StartsWith("Renci.SshNet", StringComparison.Ordinal));
        Assert.Contains("AWSSDK.S3", typeof(SqlRsync.S3.S3Storage).Assembly.GetReferencedAssemblies().Select(reference => reference.Name));
    }

    /// <summary>The rule can fail: the dialects do use the engine, and the check sees it.</summary>
    [Fact]
    public void TheCheckSeesADependencyThatExists()
    {
        var failing = Failing("SqlRsync.Dialects", ["SqlRsync.Engine.ReplicaSession"]);

        Assert.Contains(failing, line => line.StartsWith("SqlRsync.Dialects.SqlRsyncReplica", StringComparison.Ordinal));
    }

    /// <summary>Types of namespace <paramref name="name"/> (exactly) that depend on any of <paramref name="forbidden"/>, with why.</summary>
    private static List<string> Failing(string name, string[] forbidden, string[]? except = null)
    {
        if (forbidden.Length == 0)
        {
            return [];
        }
        var result = Types.InAssembly(Core).That().ResideInNamespaceMatching($"^{Regex.Escape(name)}$")
            .ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        return [.. (result.FailingTypes ?? [])
            .Where(type => except is null || !except.Any(entry => type.FullName.StartsWith(entry, StringComparison.Ordinal)))
            .Select(type => $"{type.FullName}: {type.Explanation}")];
    }

    /// <summary>The full names of the types declared in exactly these namespaces (a nested type's name starts with its parent's).</summary>
    private static IEnumerable<string> TypesIn(IEnumerable<string> namespaces)
    {
        var wanted = namespaces.ToHashSet();
        return Core.GetTypes().Where(type => !type.IsNested && type.Namespace is { } name && wanted.Contains(name)).Select(type => type.FullName!);
    }
}
