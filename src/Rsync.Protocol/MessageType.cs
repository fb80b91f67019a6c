namespace SqlRsync.Protocol;

/// <summary>
/// Every message of the sync protocol, by its one-byte code. docs/protocol.md shows who sends each,
/// in what order, with the byte layout of every payload.
/// </summary>
internal enum MessageType : byte
{
    /// <summary>Both sides, first: magic, protocol version, role, hash algorithm, capabilities, options.</summary>
    Hello = 0x01,

    /// <summary>Origin, once the replica is ready: page size, page count and journal mode of its snapshot.</summary>
    OriginInfo = 0x02,

    /// <summary>Replica, once it holds its write transaction: page size, page count and journal mode.</summary>
    ReplicaInfo = 0x03,

    /// <summary>Origin, with its hello: its page size and permission bits, for a replica whose file is empty or new.</summary>
    OriginFile = 0x04,

    /// <summary>Replica, before ReplicaInfo and only to an origin that can read it: it waits for its write lock.</summary>
    ReplicaWaiting = 0x05,

    /// <summary>Replica: one chunk of its hash-tree nodes at one level, in node order.</summary>
    Hashes = 0x10,

    /// <summary>Replica: the end of the hashes asked for at one level.</summary>
    HashesEnd = 0x11,

    /// <summary>Origin: one chunk of node indices whose children it wants hashes of.</summary>
    NodeRequest = 0x12,

    /// <summary>Origin: the end of the node indices for one level.</summary>
    NodeRequestEnd = 0x13,

    /// <summary>Origin: how many pages follow, and its hashing figures; sent once, before the first page.</summary>
    SendPlan = 0x14,

    /// <summary>Origin, after SendPlan and only with the delta option: one chunk of page numbers whose block hashes it wants.</summary>
    BlockRequest = 0x15,

    /// <summary>Origin: the end of a block request, with the seed the replica hashes its blocks with.</summary>
    BlockRequestEnd = 0x16,

    /// <summary>Replica: one chunk of the block hashes of the pages requested, in request order.</summary>
    BlockHashes = 0x17,

    /// <summary>Origin, only to a replica that sends its levels unasked: one chunk of level-1 nodes whose pages it checks.</summary>
    LeafCheck = 0x18,

    /// <summary>Origin: one chunk of its own page hashes under the nodes of the leaf check, in page order.</summary>
    OriginLeaves = 0x19,

    /// <summary>Origin: the end of a leaf check, with the seed for block hashes and how many pages may have them.</summary>
    LeafCheckEnd = 0x1A,

    /// <summary>Replica: one chunk of the pages of a leaf check whose hashes differ from its own.</summary>
    DifferentPages = 0x1B,

    /// <summary>Replica: the end of the pages that differ; block hashes for the first of them follow.</summary>
    DifferentPagesEnd = 0x1C,

    /// <summary>Origin: one page the replica must write (raw or compressed).</summary>
    Page = 0x20,

    /// <summary>Origin: the blocks of one requested page that differ from the replica's (raw or compressed).</summary>
    PageDelta = 0x23,

    /// <summary>Origin: every page is sent; the replica must end with this page count.</summary>
    Done = 0x21,

    /// <summary>Replica: the transaction committed durably (or, in a dry run, ended); with its hashing figures.</summary>
    Committed = 0x22,

    /// <summary>Client of a directory session: list your databases (flags u8: bit 0 recursive).</summary>
    ListDatabases = 0x30,

    /// <summary>Agent of a directory session: some of its databases' relative names.</summary>
    DatabaseNames = 0x31,

    /// <summary>Agent of a directory session: the list is complete.</summary>
    DatabaseNamesEnd = 0x32,

    /// <summary>Client of a directory session: the next database, by relative name; its own conversation follows.</summary>
    DatabaseStart = 0x33,

    /// <summary>Either side of a directory session: its part of the current database's conversation is over.</summary>
    DatabaseEnd = 0x34,

    /// <summary>Client of a directory session, to a replica-side agent: delete this database (flags u8: bit 0 force, bit 1 dry run; then its name).
    /// Answered by DatabaseEnd, after an Error if refused.</summary>
    DatabaseDelete = 0x36,

    /// <summary>Client of a directory session: no more databases.</summary>
    SessionEnd = 0x35,

    /// <summary>Client of an archive store: open it (version u16, flags u8: bit 0 make the directory if missing).</summary>
    StoreOpen = 0x40,

    /// <summary>Archive store agent: it is open (permissions u8: bit 0 may create objects, bit 1 may delete them).</summary>
    StoreReady = 0x41,

    /// <summary>Client of an archive store: send an object's bytes (offset u64, length u32 or 0xFFFFFFFF for the rest, key).</summary>
    ObjectGet = 0x42,

    /// <summary>Either side of an archive store: up to 64 KiB of an object's bytes.</summary>
    ObjectChunk = 0x43,

    /// <summary>Either side of an archive store: the end of a request's answer, or of an object's chunks (flag u8).</summary>
    ObjectEnd = 0x44,

    /// <summary>Client of an archive store: create an object (its key), whose chunks and an ObjectEnd follow.</summary>
    ObjectPut = 0x45,

    /// <summary>Client of an archive store: list the objects under a prefix.</summary>
    ObjectList = 0x46,

    /// <summary>Archive store agent: some listed objects (each: size u64, key length u8, key).</summary>
    ObjectNames = 0x47,

    /// <summary>Client of an archive store: delete an object (its key).</summary>
    ObjectDelete = 0x48,

    /// <summary>Client of an archive store: take its lock (exclusive u8, wait in milliseconds u32), or with exclusive 0xFF let it go.</summary>
    StoreLock = 0x49,

    /// <summary>Client of an archive store: remove what interrupted writes left.</summary>
    StoreCleanup = 0x4A,

    /// <summary>
    /// Client of an archive store: from now on keep the archive at a relative path under the agent's
    /// directory (flags u8: bit 0 make it if missing, then the path); answered by StoreReady.
    /// </summary>
    StoreSelect = 0x4B,

    /// <summary>Either side: a one-line reason for giving up; the replica rolls back.</summary>
    Error = 0x7F,
}
