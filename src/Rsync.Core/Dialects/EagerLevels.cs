using SqlRsync.Engine.HashTrees;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Dialects;

/// <summary>
/// Which levels of its tree a replica sends unasked when both sides announce <see cref="Capabilities.EagerHashes"/>:
/// the top level always, then whole levels downwards, never the pages' own, while all of them stay within
/// <see cref="ProtocolLimits.EagerHashBytes"/>. Both sides compute it from the shape alone, so no frame says where
/// the unasked levels end, and the origin reads none past the budget, whatever page count the replica announced.
/// </summary>
internal static class EagerLevels
{
    /// <summary>The lowest level sent unasked (0 only when the pages are the top level).</summary>
    public static int Bottom(HashTreeShape shape)
    {
        int level = shape.TopLevel;
        long bytes = (long)shape.NodeCount(level) * LevelMessages.HashLength;
        while (level > 1 && bytes + (long)shape.NodeCount(level - 1) * LevelMessages.HashLength <= ProtocolLimits.EagerHashBytes)
        {
            level--;
            bytes += (long)shape.NodeCount(level) * LevelMessages.HashLength;
        }
        return level;
    }
}
