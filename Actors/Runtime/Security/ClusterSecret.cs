using System.Security.Cryptography;
using System.Text;

namespace Dataflow.Actors.Runtime.Security;

/// <summary>The shared secret of a cluster, read from a file; members prove they hold it without sending it.</summary>
/// <remarks>The file's bytes, less trailing white space, must be at least <see cref="MinimumLength"/> bytes long
/// (<c>head -c 32 /dev/urandom | base64 &gt; cluster.secret</c> makes one). Only a key derived from it stays in
/// memory; proofs are HMAC-SHA256 of both sides' fresh nonces, compared in constant time.</remarks>
public sealed class ClusterSecret
{
    /// <summary>The shortest secret accepted, in bytes.</summary>
    public const int MinimumLength = 16;

    /// <summary>Length of a proof and of a nonce, in bytes.</summary>
    public const int ProofLength = 32;

    private static readonly byte[] s_derivation = Encoding.ASCII.GetBytes("dataflow cluster secret v1");
    private readonly byte[] _key;

    private ClusterSecret(byte[] key)
    {
        _key = key;
    }

    /// <summary>The file the secret was read from.</summary>
    public string File { get; private init; } = "";

    /// <summary>Reads the secret in <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">The file holds fewer than <see cref="MinimumLength"/> bytes.</exception>
    public static ClusterSecret FromFile(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException($"cluster secret file {path} not found", path);
        }
        var bytes = System.IO.File.ReadAllBytes(path);
        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            length--;
        }
        if (length < MinimumLength)
        {
            throw new FormatException($"{path}: a cluster secret needs at least {MinimumLength} bytes, found {length} " +
                "(make one with: head -c 32 /dev/urandom | base64 > cluster.secret)");
        }
        var key = HMACSHA256.HashData(bytes.AsSpan(0, length), s_derivation);
        CryptographicOperations.ZeroMemory(bytes);
        return new ClusterSecret(key) { File = path };
    }

    /// <summary>A fresh random nonce.</summary>
    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(ProofLength);

    /// <summary>The proof that the side named <paramref name="role"/> holds the secret, bound to both nonces.</summary>
    public byte[] Proof(string role, ReadOnlySpan<byte> initiatorNonce, ReadOnlySpan<byte> acceptorNonce)
    {
        var message = new byte[role.Length + 1 + initiatorNonce.Length + acceptorNonce.Length];
        Encoding.ASCII.GetBytes(role, message);
        initiatorNonce.CopyTo(message.AsSpan(role.Length + 1));
        acceptorNonce.CopyTo(message.AsSpan(role.Length + 1 + initiatorNonce.Length));
        return HMACSHA256.HashData(_key, message);
    }

    /// <summary>True when <paramref name="proof"/> is the proof of <paramref name="role"/> for these nonces (constant time).</summary>
    public bool Verify(ReadOnlySpan<byte> proof, string role, ReadOnlySpan<byte> initiatorNonce, ReadOnlySpan<byte> acceptorNonce) =>
        CryptographicOperations.FixedTimeEquals(proof, Proof(role, initiatorNonce, acceptorNonce));
}
