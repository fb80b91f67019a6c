namespace SqlRsync.Protocol.Messages;

/// <summary>How the bytes of a Page or PageDelta travel.</summary>
internal enum PageEncoding : byte
{
    Raw = 0,
    Brotli = 1,
}
