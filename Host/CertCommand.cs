using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dataflow.Actors.Runtime.Security;

namespace Dataflow.Host;

/// <summary><c>dataflow cert create</c>: a self-signed certificate for a cluster's TLS (no openssl needed).</summary>
internal static class CertCommand
{
    private const string Usage = """
        usage: dataflow cert create --out FILE.pfx [--subject "CN=dataflow-cluster"] [--days 365] [--password-file FILE]

        Makes a self-signed certificate with its private key (RSA 3072, SHA-256) as a PKCS#12 file, readable by
        its owner only. Copy it to every host and client of the cluster and pass it as --tls-cert: members
        present it and accept no other certificate.

          --out FILE.pfx        the file to write (refused if it exists)
          --subject DN          the certificate's subject (default CN=dataflow-cluster)
          --days N              validity from now, in days (default 365)
          --password-file FILE  encrypt the file with the password in FILE (then pass it as
                                --tls-cert-password-file); without it the file is not encrypted

        example: dataflow cert create --out cluster.pfx --days 90
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] != "create")
        {
            throw new UsageException($"unknown cert command '{args[0]}'", Usage);
        }
        var o = new ParsedOptions(args[1..], ["out", "subject", "days", "password-file"], [], Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        var path = o.String("out") ?? throw new UsageException("cert create needs --out FILE.pfx", Usage);
        var days = o.Int("days", 365);
        if (days < 1)
        {
            throw new UsageException($"--days {days}: expected a positive number of days", Usage);
        }
        if (File.Exists(path))
        {
            throw new UsageException($"--out {path}: the file exists; remove it first or choose another name", Usage);
        }
        string? password = null;
        if (o.String("password-file") is { } passwordFile)
        {
            password = File.Exists(passwordFile)
                ? File.ReadAllText(passwordFile).TrimEnd('\r', '\n')
                : throw new FileNotFoundException($"--password-file {passwordFile} not found", passwordFile);
        }
        X500DistinguishedName subject;
        try
        {
            subject = new X500DistinguishedName(o.String("subject") ?? "CN=dataflow-cluster");
        }
        catch (CryptographicException e)
        {
            throw new UsageException($"--subject {o.String("subject")}: not a distinguished name such as CN=my-cluster ({e.Message})", Usage);
        }
        using var certificate = Create(subject, TimeSpan.FromDays(days));
        var bytes = certificate.Export(X509ContentType.Pkcs12, password);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Owner-only from the start: the file holds the private key.
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(full, create))
        {
            stream.Write(bytes);
        }
        var loaded = ClusterCertificate.Load(path, o.String("password-file"));
        Console.Out.WriteLine($"wrote {path}: {certificate.Subject}, valid until {certificate.NotAfter:yyyy-MM-dd}, SHA-256 {loaded.Fingerprint}");
        return 0;
    }

    /// <summary>A self-signed certificate for both ends of a TLS connection (server and client authentication).</summary>
    public static X509Certificate2 Create(X500DistinguishedName subject, TimeSpan validity)
    {
        using var key = RSA.Create(3072);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.Add(validity));
    }
}
