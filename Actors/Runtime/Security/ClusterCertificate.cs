using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Dataflow.Actors.Runtime.Security;

/// <summary>The certificate every member of a TLS cluster presents, and the only one it accepts from its peers.</summary>
/// <remarks>Remoting runs over Akka.NET's DotNetty TLS with mutual authentication: each side of every connection
/// presents this certificate and checks that the other side's is the same one (its SHA-256 fingerprint), so a process
/// without the certificate's private key cannot open a connection to a member, nor pose as one. Chain and host-name
/// checks are replaced by this pin: the certificate is usually self-signed (<c>dataflow cert create</c>) and members
/// are reached by address. An expired certificate is refused.</remarks>
public sealed class ClusterCertificate
{
    private readonly byte[] _fingerprint;

    private ClusterCertificate(X509Certificate2 certificate, string file)
    {
        Certificate = certificate;
        File = file;
        _fingerprint = certificate.GetCertHash(HashAlgorithmName.SHA256);
    }

    /// <summary>The certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The file it was read from.</summary>
    public string File { get; }

    /// <summary>The SHA-256 fingerprint, upper-case hex.</summary>
    public string Fingerprint => Convert.ToHexString(_fingerprint);

    /// <summary>Reads a PKCS#12 (<c>.pfx</c>) file; its password, if any, from <paramref name="passwordFile"/>.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="FormatException">The file is no PKCS#12 certificate with a private key, or the password is wrong.</exception>
    public static ClusterCertificate Load(string path, string? passwordFile)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException($"TLS certificate {path} not found", path);
        }
        string? password = null;
        if (!string.IsNullOrEmpty(passwordFile))
        {
            if (!System.IO.File.Exists(passwordFile))
            {
                throw new FileNotFoundException($"TLS certificate password file {passwordFile} not found", passwordFile);
            }
            password = System.IO.File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException e)
        {
            throw new FormatException($"{path}: not a PKCS#12 (.pfx) certificate this password opens: {e.Message}", e);
        }
        if (!certificate.HasPrivateKey)
        {
            throw new FormatException($"{path}: the certificate has no private key (a member presents it, so it needs one)");
        }
        return new ClusterCertificate(certificate, path);
    }

    /// <summary>True when <paramref name="peer"/> is this very certificate and within its validity period.</summary>
    public bool Accepts(X509Certificate2? peer) =>
        peer is not null
        && CryptographicOperations.FixedTimeEquals(peer.GetCertHash(HashAlgorithmName.SHA256), _fingerprint)
        && DateTime.Now >= peer.NotBefore && DateTime.Now <= peer.NotAfter;

    /// <summary>The DotNetty TLS set-up: this certificate, mutual authentication, and peers pinned to it.</summary>
    /// <param name="refused">Called with the peer and a reason when a peer's certificate is refused.</param>
    public DotNettySslSetup SslSetup(Action<string, string> refused) =>
        new(Certificate, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false,
            customValidator: (peer, _, remotePeer, _, log) => Validate(peer, remotePeer, log, refused));

    private bool Validate(X509Certificate2? peer, string remotePeer, ILoggingAdapter? log, Action<string, string> refused)
    {
        if (Accepts(peer))
        {
            return true;
        }
        var reason = peer is null
            ? "it presented no certificate"
            : $"its certificate ({peer.Subject}, SHA-256 {Convert.ToHexString(peer.GetCertHash(HashAlgorithmName.SHA256))[..16]}...) " +
              (CryptographicOperations.FixedTimeEquals(peer.GetCertHash(HashAlgorithmName.SHA256), _fingerprint)
                  ? "has expired or is not valid yet"
                  : "is not the cluster's certificate");
        log?.Warning("refused a TLS connection with {0}: {1}", remotePeer, reason);
        refused(remotePeer, reason);
        return false;
    }
}
