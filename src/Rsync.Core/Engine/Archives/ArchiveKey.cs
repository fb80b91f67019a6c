using System.Security.Cryptography;
using System.Text;
using SqlRsync.Platform;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// An archive's encryption key: 32 random bytes in a key file ("sqlrsync-key 1" and the key in base64,
/// on two lines), made by <see cref="Make"/> and kept by the user, never in the archive. The keys the
/// archive uses are derived from it with HKDF-SHA256, salted with the archive's id: one seals every
/// object (AES-256-GCM), one names blobs (HMAC-SHA256, so that the archive's host cannot confirm a
/// guess of a page's content by its id), one seeds the page hashes compared when adding or restoring,
/// and one is stored in the archive's config to tell a wrong key from a damaged archive.
/// </summary>
internal sealed class ArchiveKey
{
    private const string Header = "sqlrsync-key 1";
    public const int Length = 32;

    private readonly byte[] _secret;

    private ArchiveKey(byte[] secret) => _secret = secret;

    /// <summary>Writes a new random key to <paramref name="path"/>, which must not exist, readable by its owner only.</summary>
    /// <exception cref="IOException">The file exists or cannot be written.</exception>
    public static void Make(string path)
    {
        var text = $"{Header}\n{Convert.ToBase64String(RandomNumberGenerator.GetBytes(Length))}\n";
        using var file = NewFile.Create(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        RandomAccess.Write(file, Encoding.ASCII.GetBytes(text), 0);
        RandomAccess.FlushToDisk(file);
    }

    /// <summary>Reads the key file at <paramref name="path"/>.</summary>
    /// <exception cref="SyncException">It cannot be read or is not a key file.</exception>
    public static ArchiveKey Load(string path)
    {
        string? text;
        try
        {
            text = NewFile.ReadText(path);
        }
        catch (IOException e)
        {
            throw new SyncException(SyncFailure.NotFound, $"cannot read the encryption key {path}: {e.Message}", e);
        }
        var lines = text?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines is null)
        {
            throw new SyncException(SyncFailure.NotFound, $"the encryption key {path} does not exist (make one with sqlrsync --make-key {path})");
        }
        byte[]? secret = null;
        if (lines.Length == 2 && lines[0] == Header)
        {
            secret = new byte[Length];
            if (!Convert.TryFromBase64String(lines[1], secret, out int written) || written != Length)
            {
                secret = null;
            }
        }
        return secret is null
            ? throw new SyncException(SyncFailure.Incompatible, $"{path} is not an sqlrsync key file (sqlrsync --make-key makes one)")
            : new ArchiveKey(secret);
    }

    /// <summary>The key that seals objects of the archive <paramref name="archiveId"/>.</summary>
    public byte[] SealingKey(ReadOnlySpan<byte> archiveId) => Derive(archiveId, "sqlrsync seal", 32);

    /// <summary>The HMAC key that names blobs.</summary>
    public byte[] NamingKey(ReadOnlySpan<byte> archiveId) => Derive(archiveId, "sqlrsync blob id", 32);

    /// <summary>The seed of the page hashes the archive compares (never 0: the unseeded hash).</summary>
    public long CompareSeed(ReadOnlySpan<byte> archiveId) => BitConverter.ToInt64(Derive(archiveId, "sqlrsync compare seed", 8)) | 1;

    /// <summary>What the archive's config stores to recognise this key.</summary>
    public string Check(ReadOnlySpan<byte> archiveId) => Convert.ToHexStringLower(Derive(archiveId, "sqlrsync key check", 32));

    private byte[] Derive(ReadOnlySpan<byte> archiveId, string label, int length) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, length, archiveId.ToArray(), Encoding.ASCII.GetBytes(label));
}
