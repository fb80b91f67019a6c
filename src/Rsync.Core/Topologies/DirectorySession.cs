using SqlRsync.Dialects;
using SqlRsync.Engine;
using SqlRsync.Engine.Safety;
using SqlRsync.Links;
using SqlRsync.Platform;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Topologies;

/// <summary>
/// A directory of databases synced over one connection: the client (the side the user started) asks
/// the agent for its list, then, database by database, says which one (DatabaseStart), runs that
/// database's own conversation — the agent plays the other role on the same name in its directory —
/// and both end it with DatabaseEnd, reading past whatever the other had still sent when one failed.
/// A database that fails fails alone. Names are checked on arrival and resolved inside the directory,
/// never through a symbolic link out of it; nothing here ever reaches a shell.
/// </summary>
internal static class DirectorySession
{
    /// <summary>Most databases a peer may list.</summary>
    private const int MaxDatabases = 1_000_000;

    /// <summary>
    /// The agent's side: serves <paramref name="directory"/> until the client ends the session. A
    /// replica agent deletes a database the client asks it to (--delete) only if <paramref name="mayDelete"/>
    /// (a --serve key needs --allow-delete), and only one it listed itself in this session.
    /// </summary>
    /// <exception cref="SyncException">The directory is missing, or the session broke (the client went away, or sent nonsense).</exception>
    public static void Serve(string directory, bool isOrigin, Stream input, Stream output, SyncOptions options, bool mayDelete = true)
    {
        try
        {
            ServeUntilEnd(directory, isOrigin, input, output, options, mayDelete);
        }
        catch (Exception e) when (e is ProtocolException or IOException or PeerErrorException)
        {
            throw FailureText.Normalize(e);
        }
    }

    private static void ServeUntilEnd(string directory, bool isOrigin, Stream input, Stream output, SyncOptions options, bool mayDelete)
    {
        var reader = new FrameReader(input);
        var writer = new FrameWriter(output);
        directory = CheckDirectory(directory, isOrigin ? "origin" : "replica");
        var listed = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var (type, payload) = reader.Read();
            switch (type)
            {
                case MessageType.ListDatabases:
                    bool recursive = SessionMessages.ParseListRequest(payload.Span);
                    var databases = DatabaseDirectory.List(directory, recursive).Databases;
                    listed.UnionWith(databases);
                    SessionMessages.WriteNames(writer, databases);
                    writer.Flush();
                    break;
                case MessageType.DatabaseStart:
                    string name = SessionMessages.ParseStart(payload.Span);
                    SyncOne(directory, name, isOrigin, reader, writer, options, new ProgressTracker());
                    break;
                case MessageType.DatabaseDelete when !isOrigin:
                    var (doomed, force, dryRun) = SessionMessages.ParseDelete(payload.Span);
                    try
                    {
                        if (!mayDelete)
                        {
                            throw new SyncException(SyncFailure.Refused,
                                $"{doomed} not deleted: this key may not delete (its --serve line has no --allow-delete)");
                        }
                        if (!listed.Contains(doomed))
                        {
                            throw new SyncException(SyncFailure.Refused, $"{doomed} not deleted: it is not a database this agent listed in this session");
                        }
                        ReplicaRemoval.Delete(PathPolicy.Inside(directory, doomed, create: false), force, dryRun);
                    }
                    catch (SyncException refused)
                    {
                        new Error((byte)refused.Reason, refused.Message).WriteTo(writer);
                    }
                    writer.Write(MessageType.DatabaseEnd, []);
                    writer.Flush();
                    break;
                case MessageType.SessionEnd:
                    new PayloadReader(payload.Span, type).End();
                    return;
                default:
                    ExpectedFrame.Check(type, MessageType.DatabaseStart, payload.Span);
                    break;
            }
        }
    }

    /// <summary>
    /// The client's side: syncs the databases <paramref name="selection"/> takes between <paramref name="localDirectory"/>
    /// and the agent's, over <paramref name="agent"/>; a failure the agent reports is prefixed with
    /// <paramref name="agentHost"/> (null for an agent in this process). A cancellation stops the agent
    /// only while no database is past its point of no return, and no database starts after it.
    /// </summary>
    public static DirectorySyncResult Run(string localDirectory, bool localIsOrigin, PeerLink agent, SyncOptions options,
        DirectoryOptions selection, IProgress<SyncProgress>? progress, CancellationToken cancellation, string? agentHost = null)
    {
        localDirectory = CheckDirectory(localDirectory, localIsOrigin ? "origin" : "replica");
        var (local, refused) = DatabaseDirectory.List(localDirectory, selection.Recursive);
        var reader = new FrameReader(agent.FromPeer);
        var writer = new FrameWriter(agent.ToPeer);
        SessionMessages.WriteListRequest(writer, selection.Recursive);
        writer.Flush();
        var remote = SessionMessages.ReadNames(reader, MaxDatabases);

        var origins = (localIsOrigin ? local : remote).Where(selection.Takes).ToList();
        var replicas = (localIsOrigin ? remote : local).Where(selection.Takes).ToHashSet(StringComparer.Ordinal);
        var outcomes = new List<SyncOutcome>(origins.Count);
        foreach (var name in origins)
        {
            cancellation.ThrowIfCancellationRequested();
            SessionMessages.WriteStart(writer, name);
            var tracker = new ProgressTracker(progress, cancellation);
            SyncException? failure;
            SyncResult? result;
            using (agent.StopOnCancel(tracker))
            {
                failure = SyncOne(localDirectory, name, localIsOrigin, reader, writer, options, tracker, out result);
            }
            if (failure is not null && agentHost is not null && FailureText.IsRelayed(failure))
            {
                failure = FailureText.FromHost(agentHost, failure);
            }
            outcomes.Add(new SyncOutcome(name, result, failure));
        }
        var onlyOnReplica = replicas.Except(origins, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var deletions = selection.Delete ? Delete(onlyOnReplica, origins.Count, localDirectory, localIsOrigin, reader, writer, options, agentHost) : [];
        writer.Write(MessageType.SessionEnd, []);
        writer.Flush();
        return new DirectorySyncResult(outcomes, onlyOnReplica, refused, deletions);
    }

    /// <summary>--delete: each database only the replica side has, deleted there (here, or by the agent), or why not.</summary>
    private static List<SyncOutcome> Delete(List<string> names, int originCount, string localDirectory, bool localIsOrigin,
        FrameReader reader, FrameWriter writer, SyncOptions options, string? agentHost)
    {
        if (originCount == 0 && names.Count > 0)
        {
            return [new SyncOutcome("--delete", null, new SyncException(SyncFailure.Refused,
                $"the origin side has no database at all (an unmounted disk?); none of the {names.Count} databases only the replica side has was deleted"))];
        }
        var deletions = new List<SyncOutcome>(names.Count);
        foreach (var name in names)
        {
            SyncException? failure = null;
            if (!localIsOrigin)
            {
                try
                {
                    ReplicaRemoval.Delete(PathPolicy.Inside(localDirectory, name, create: false), options.Force, options.DryRun);
                }
                catch (SyncException e)
                {
                    failure = e;
                }
            }
            else
            {
                SessionMessages.WriteDelete(writer, name, options.Force, options.DryRun);
                writer.Flush();
                var (type, payload) = reader.Read();
                if (type == MessageType.Error)
                {
                    var refused = (SyncException)FailureText.Normalize(Error.Parse(payload.Span).ToException());
                    failure = agentHost is null ? refused : FailureText.FromHost(agentHost, refused);
                    (type, payload) = reader.Read();
                }
                ExpectedFrame.Check(type, MessageType.DatabaseEnd, payload.Span);
            }
            deletions.Add(new SyncOutcome(name, null, failure));
        }
        return deletions;
    }

    private static void SyncOne(string directory, string name, bool isOrigin, FrameReader reader, FrameWriter writer, SyncOptions options,
        ProgressTracker progress) =>
        SyncOne(directory, name, isOrigin, reader, writer, options, progress, out _);

    /// <summary>One database's conversation, then DatabaseEnd both ways; its failure, or null.</summary>
    private static SyncException? SyncOne(string directory, string name, bool isOrigin, FrameReader reader, FrameWriter writer, SyncOptions options,
        ProgressTracker progress, out SyncResult? result)
    {
        result = null;
        SyncException? failure = null;
        var peer = new SqlRsyncConversation(reader, writer, isOrigin ? Role.Origin : Role.Replica);
        try
        {
            string path;
            try
            {
                path = PathPolicy.Inside(directory, name, create: !isOrigin);
            }
            catch (SyncException refused)
            {
                // Before the conversation began: the peer waits for our hello, and hears why instead.
                peer.TrySendError(refused);
                throw;
            }
            result = isOrigin ? SqlRsyncOrigin.Run(path, peer, options, progress) : SqlRsyncReplica.Run(path, peer, options, progress);
        }
        catch (SyncException e)
        {
            failure = e;
        }
        writer.Write(MessageType.DatabaseEnd, []);
        writer.Flush();
        // Whatever the peer still sent for this database (pages after our failure, its Error) ends at its DatabaseEnd.
        while (reader.Read().Type != MessageType.DatabaseEnd)
        {
        }
        return failure;
    }

    /// <summary>The directory to use for the whole session: as given, or its real path where links were followed (<see cref="PathPolicy"/>).</summary>
    private static string CheckDirectory(string given, string side)
    {
        string directory = PathPolicy.Resolve(side, given);
        if (!Directory.Exists(directory))
        {
            throw new SyncException(SyncFailure.NotFound, File.Exists(directory)
                ? $"{side} {directory} is a file, not a directory; without a trailing '/' name two databases"
                : $"{side} directory {directory} does not exist (create it first)");
        }
        return directory;
    }
}
