using SqlRsync.Ssh;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Ssh;

/// <summary>known_hosts matching against OpenSSH's own (ssh-keygen -F), and the verdicts for changed, revoked and other-type keys.</summary>
public sealed class KnownHostsTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly byte[] _key = KeyBlob("ssh-ed25519", 1);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("db1.example", 22)]
    [InlineData("DB1.EXAMPLE", 22)]
    [InlineData("db1.example", 2222)]
    [InlineData("10.0.0.7", 22)]
    [InlineData("10.0.0.7", 2200)]
    [InlineData("web3.example", 22)]
    [InlineData("web3.internal.example", 22)]
    [InlineData("web-secret.example", 22)]
    [InlineData("h9.example", 22)]
    [InlineData("h10.example", 22)]
    [InlineData("hashed.example", 22)]
    [InlineData("hashed.example", 2022)]
    [InlineData("nowhere.example", 22)]
    public void HostPatternsMatchAsOpenSshMatchesThem(string host, int port)
    {
        var file = _dir.File("known_hosts");
        string key = $"ssh-ed25519 {Convert.ToBase64String(_key)}";
        File.WriteAllText(file, string.Join('\n',
            $"db1.example,10.0.0.7 {key}",
            $"[10.0.0.7]:2200 {key}",
            $"web*.example,!web-secret.example {key}",
            $"h?.example {key}",
            ""));
        // Two more lines with hashed names, hashed by ssh-keygen itself.
        var hashed = _dir.File("hashed");
        File.WriteAllText(hashed, $"hashed.example {key}\n[hashed.example]:2022 {key}\n");
        Assert.Equal(0, ExternalProgram.Run("ssh-keygen", ["-H", "-f", hashed]).ExitCode);
        File.AppendAllText(file, File.ReadAllText(hashed));

        string name = KnownHosts.NameFor(host, port);
        bool openSshFinds = ExternalProgram.Run("ssh-keygen", ["-F", name, "-f", file]).ExitCode == 0;

        Assert.Equal(openSshFinds, KnownHosts.Check(file, host, port, _key) == HostKeyVerdict.Known);
    }

    [Fact]
    public void ChangedRevokedAndOtherTypeKeysAreToldApart()
    {
        var file = _dir.File("known_hosts");
        var other = KeyBlob("ssh-ed25519", 2);
        var ecdsa = KeyBlob("ecdsa-sha2-nistp256", 3);
        File.WriteAllText(file,
            $"changed.example ssh-ed25519 {Convert.ToBase64String(other)}\n" +
            $"ecdsa-only.example ecdsa-sha2-nistp256 {Convert.ToBase64String(ecdsa)}\n" +
            $"revoked.example ssh-ed25519 {Convert.ToBase64String(_key)}\n" +
            $"@revoked * ssh-ed25519 {Convert.ToBase64String(other)}\n" +
            $"@cert-authority *.example ssh-ed25519 {Convert.ToBase64String(_key)}\n" +
            "garbage line\n");

        Assert.Equal(HostKeyVerdict.Changed, KnownHosts.Check(file, "changed.example", 22, _key));
        Assert.Equal(HostKeyVerdict.OtherTypesKnown, KnownHosts.Check(file, "ecdsa-only.example", 22, _key));
        Assert.Equal(HostKeyVerdict.Known, KnownHosts.Check(file, "revoked.example", 22, _key));
        Assert.Equal(HostKeyVerdict.Revoked, KnownHosts.Check(file, "revoked.example", 22, other));
        Assert.Equal(HostKeyVerdict.Unknown, KnownHosts.Check(file, "ca-signed.example", 22, _key));
        Assert.Equal(HostKeyVerdict.Unknown, KnownHosts.Check(_dir.File("missing"), "changed.example", 22, _key));
    }

    /// <summary>A key blob as ssh sends it: the type as a length-prefixed string, then (here) made-up key bytes.</summary>
    private static byte[] KeyBlob(string type, byte seed)
    {
        var blob = new List<byte>();
        blob.AddRange(BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(type.Length)));
        blob.AddRange(System.Text.Encoding.ASCII.GetBytes(type));
        blob.AddRange(Enumerable.Repeat(seed, 36));
        return [.. blob];
    }
}
