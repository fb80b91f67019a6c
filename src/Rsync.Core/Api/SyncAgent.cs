using System.Reflection;
using Microsoft.Win32.SafeHandles;
using SqlRsync.Dialects;
using SqlRsync.Dialects.Sqlite3Rsync;
using SqlRsync.Engine;
using SqlRsync.Engine.Safety;
using SqlRsync.Links;
using SqlRsync.Platform;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;
using SqlRsync.Protocol.Sqlite3Rsync;
using SqlRsync.Topologies;

namespace SqlRsync;

/// <summary>
/// The remote side of a sync: what sqlrsync runs on the other host, on its standard input and output,
/// when a transport starts it with an <see cref="AgentRequest"/> — one database as the origin or the
/// replica (in our protocol, or in sqlite3_rsync's when its peer speaks it), a directory of them, or the
/// objects of a snapshot archive. The `sqlrsync` program runs it for `--origin`, `--replica`,
/// `--origin-dir`, `--replica-dir` and `--archive-store`.
/// </summary>
public static class SyncAgent
{
    /// <summary>The version of sqlrsync's protocol this library speaks; both sides of a sync must speak the same.</summary>
    public static int ProtocolVersion => Hello.CurrentVersion;

    /// <summary>The newest version of sqlite3_rsync's protocol this library speaks (it speaks every older one too).</summary>
    public static int Sqlite3RsyncProtocolVersion => Sqlite3RsyncProtocol.LatestVersion;

    /// <summary>
    /// Whether <paramref name="first"/>, the first byte an agent writes, can begin its answer in our
    /// protocol (its hello, or an error): anything else came from something else, such as a login script.
    /// </summary>
    public static bool CanBeginAnAnswer(byte first) => first is (byte)MessageType.Hello or (byte)MessageType.Error;

    /// <summary>
    /// Serves <paramref name="request"/> on this process's standard input and output, as ssh starts an
    /// agent: through the raw descriptors (.NET's console streams drop writes to a closed pipe, which would
    /// leave the agent waiting for a peer that is gone), with their pipes widened.
    /// </summary>
    /// <inheritdoc cref="Run" path="/exception"/>
    public static void RunOnStandardStreams(AgentRequest request, AgentOptions? options = null)
    {
        // Held until the process ends, which closes them.
        WidePipes.OfThisProcess.Widen(0);
        WidePipes.OfThisProcess.Widen(1);
        using var input = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1);
        using var output = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
        Run(request, input, output, options);
    }

    /// <summary>
    /// Serves <paramref name="request"/> over a pair of streams until its client is done. A replica tells
    /// which protocol its peer speaks from the first byte it sends: sqlite3_rsync's ORIGIN_BEGIN, or our hello.
    /// </summary>
    /// <param name="request">What to serve.</param>
    /// <param name="input">What the client sends.</param>
    /// <param name="output">Where to answer it.</param>
    /// <param name="options">How to serve; null for the defaults.</param>
    /// <exception cref="SyncException">The sync (or, for a directory, the session) failed; the client was told why.</exception>
    public static void Run(AgentRequest request, Stream input, Stream output, AgentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        options ??= new AgentOptions();
        if (options.ConfinedTo is { } allowed)
        {
            PathPolicy.ConfineTo(allowed.RealPaths);
        }
        bool isOrigin = request.Role == AgentRole.Origin;
        if (request.Role == AgentRole.Archive)
        {
            ArchiveStoreServer.Serve(request.Path, input, output, mayCreate: !options.ReadOnly,
                mayDelete: options.MayDelete && !options.ReadOnly && !options.AppendOnly);
            return;
        }
        // Relayed by the calling side as "HOST: sqlrsync: warning: ...".
        UnsafeFilesystem.Warn(request.Quiet ? null : options.Warnings, isOrigin ? "origin" : "replica", request.Path);
        var sync = new SyncOptions { BusyTimeout = request.BusyTimeout, WalOnly = request.WalOnly };
        try
        {
            if (request.CommCheck)
            {
                AnswerCommCheck(request, input, output);
            }
            else if (request.Directory)
            {
                DirectorySession.Serve(request.Path, isOrigin, input, output, sync, options.MayDelete);
            }
            else if (isOrigin)
            {
                _ = request.Sqlite3Rsync
                    ? Sqlite3RsyncOrigin.Run(request.Path, input, output, sync, new ProgressTracker(), Sqlite3RsyncProtocol.LatestVersion)
                    : SqlRsyncOrigin.Run(request.Path, input, output, sync, new ProgressTracker());
            }
            else if (request.Cycles)
            {
                ServeCycles(request.Path, input, output, sync);
            }
            else
            {
                int first = input.ReadByte();
                var peer = new PutBackStream(input, first);
                _ = Sqlite3RsyncProtocol.StartsConversation(first)
                    ? Sqlite3RsyncReplica.Run(request.Path, peer, output, sync, new ProgressTracker(), Sqlite3RsyncProtocol.LatestVersion)
                    : SqlRsyncReplica.Run(request.Path, peer, output, sync, new ProgressTracker());
            }
        }
        catch (Exception e) when (e is IOException or ProtocolException)
        {
            // The client went away (or spoke nonsense) outside any one database's conversation.
            throw FailureText.Normalize(e);
        }
    }

    /// <summary>A replica's syncs one after another, each taking what the last one left, until the input ends between two (a watch's cycles).</summary>
    private static void ServeCycles(string path, Stream input, Stream output, SyncOptions sync)
    {
        using var kept = new KeptReplicaTree();
        for (int first = input.ReadByte(); first >= 0; first = input.ReadByte())
        {
            SqlRsyncReplica.Run(path, new PutBackStream(input, first), output, sync, new ProgressTracker(), kept);
        }
    }

    /// <summary>
    /// Tells the client that sent <paramref name="request"/> why it is refused, as an error of its own
    /// protocol (ours, or sqlite3_rsync's), so that it prints the reason as its own line. Best effort:
    /// the client may be gone.
    /// </summary>
    public static void Refuse(AgentRequest request, Stream output, string reason)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            if (request.Sqlite3Rsync)
            {
                // sqlite3_rsync prints the text of its peer's ERROR message.
                var writer = new Sqlite3RsyncWriter(output);
                writer.Write(request.Role == AgentRole.Origin ? Sqlite3RsyncMessage.OriginError : Sqlite3RsyncMessage.ReplicaError);
                writer.WriteText(reason);
                writer.Flush();
            }
            else
            {
                var writer = new FrameWriter(output);
                new Error((byte)SyncFailure.Refused, reason).WriteTo(writer);
                writer.Flush();
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>sqlite3_rsync's --commcheck: say who we are and end, without opening any database.</summary>
    private static void AnswerCommCheck(AgentRequest request, Stream input, Stream output)
    {
        bool isOrigin = request.Role == AgentRole.Origin;
        var writer = new Sqlite3RsyncWriter(output);
        writer.Write(isOrigin ? Sqlite3RsyncMessage.OriginMessage : Sqlite3RsyncMessage.ReplicaMessage);
        writer.WriteText($"sqlrsync {LibraryVersion} as sqlite3_rsync's {(isOrigin ? "origin" : "replica")} for {request.Path}, protocol " +
            $"{Sqlite3RsyncProtocol.LatestVersion}");
        writer.Write(isOrigin ? Sqlite3RsyncMessage.OriginEnd : Sqlite3RsyncMessage.ReplicaEnd);
        writer.Flush();
        input.CopyTo(Stream.Null);
    }

    /// <summary>This library's version, as the sqlrsync release it belongs to.</summary>
    internal static string LibraryVersion =>
        typeof(SyncAgent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
