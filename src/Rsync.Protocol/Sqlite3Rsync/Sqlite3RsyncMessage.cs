namespace SqlRsync.Protocol.Sqlite3Rsync;

/// <summary>
/// The message codes of sqlite3_rsync's protocol (SQLite's own sync tool, protocol versions 1 and 2).
/// A message is its code byte and then fixed fields: integers are 32-bit big-endian, a page size is one
/// byte holding its log2, a text is a 32-bit length and its bytes. Origin codes are upper-case letters,
/// replica codes lower-case, so the first byte of a conversation tells it apart from sqlrsync's own
/// protocol, whose first frame is a Hello (0x01).
/// </summary>
internal enum Sqlite3RsyncMessage : byte
{
    /// <summary>Protocol version (1 byte), log2 of the page size (1 byte), page count.</summary>
    OriginBegin = 0x41,
    /// <summary>The origin says nothing more.</summary>
    OriginEnd = 0x42,
    /// <summary>A text: the origin gave up.</summary>
    OriginError = 0x43,
    /// <summary>Page number, then the page.</summary>
    OriginPage = 0x44,
    /// <summary>The origin's page count: commit, cut to that size.</summary>
    OriginTxn = 0x45,
    /// <summary>A text to show.</summary>
    OriginMessage = 0x46,
    /// <summary>Protocol 2: first page and count of a range whose hash differs; hash it in smaller parts.</summary>
    OriginDetail = 0x47,
    /// <summary>Protocol 2: the DETAIL requests of this round are all sent.</summary>
    OriginReady = 0x48,

    /// <summary>The protocol version the replica offers instead of a newer one it does not know.</summary>
    ReplicaBegin = 0x61,
    /// <summary>A text: the replica gave up.</summary>
    ReplicaError = 0x62,
    /// <summary>The replica says nothing more.</summary>
    ReplicaEnd = 0x63,
    /// <summary>20 bytes: the hash of the next page or range.</summary>
    ReplicaHash = 0x64,
    /// <summary>The hashes of this round are all sent.</summary>
    ReplicaReady = 0x65,
    /// <summary>A text to show.</summary>
    ReplicaMessage = 0x66,
    /// <summary>Protocol 2: first page and count of the hashes that follow.</summary>
    ReplicaConfig = 0x67,
}

/// <summary>Facts of sqlite3_rsync's protocol that both sides rely on.</summary>
internal static class Sqlite3RsyncProtocol
{
    /// <summary>The newest version we speak (and sqlite3_rsync 3.50+ speaks).</summary>
    public const byte LatestVersion = 2;

    /// <summary>Bytes in a page or range hash.</summary>
    public const int HashLength = 20;

    /// <summary>Bytes of text we accept in an ERROR or MSG message.</summary>
    public const int MaxText = 64 * 1024;

    /// <summary>Whether <paramref name="first"/>, the first byte a peer sends, starts a sqlite3_rsync conversation.</summary>
    public static bool StartsConversation(int first) => first is (int)Sqlite3RsyncMessage.OriginBegin;
}
