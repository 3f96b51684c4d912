using Dataflow.Actors.Runtime.Security;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Security;

/// <summary>Loopback needs no set-up; every wider bind needs TLS and a cluster secret; a wildcard bind needs a public name.</summary>
public sealed class BindPolicySpec
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.3.4.5")]
    [InlineData("localhost")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    public void Loopback_needs_neither_TLS_nor_a_secret(string hostname) =>
        BindPolicy.Check(hostname, null, tls: false, secret: false);

    [Theory]
    [InlineData("10.0.0.5", false, false, "--tls-cert FILE.pfx")]
    [InlineData("10.0.0.5", true, false, "--secret-file FILE")]
    [InlineData("node1.example.org", false, true, "--tls-cert FILE.pfx")]
    [InlineData("128.0.0.1", false, false, "--secret-file FILE")]
    public void A_wider_bind_without_TLS_and_a_secret_names_what_to_add(string hostname, bool tls, bool secret, string named)
    {
        var e = Assert.Throws<InsecureBindException>(() => BindPolicy.Check(hostname, null, tls, secret));

        Assert.Contains(named, e.Message);
        Assert.Contains(hostname, e.Message);
    }

    [Fact]
    public void A_wider_bind_with_TLS_and_a_secret_is_allowed() =>
        BindPolicy.Check("10.0.0.5", null, tls: true, secret: true);

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void A_wildcard_bind_needs_a_public_hostname(string hostname)
    {
        var e = Assert.Throws<InsecureBindException>(() => BindPolicy.Check(hostname, null, tls: true, secret: true));

        Assert.Contains("--public-hostname", e.Message);
        BindPolicy.Check(hostname, "10.0.0.5", tls: true, secret: true);
    }

    [Fact]
    public void Secret_proofs_bind_the_role_and_both_nonces_and_differ_between_secrets()
    {
        var dir = Directory.CreateTempSubdirectory("sec-secret-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a"), "0123456789abcdef-first\n");
            File.WriteAllText(Path.Combine(dir, "b"), "0123456789abcdef-second\n");
            File.WriteAllText(Path.Combine(dir, "short"), "too short\n");
            var a = ClusterSecret.FromFile(Path.Combine(dir, "a"));
            var b = ClusterSecret.FromFile(Path.Combine(dir, "b"));
            byte[] i = ClusterSecret.NewNonce(), h = ClusterSecret.NewNonce();

            var proof = a.Proof("member", i, h);

            Assert.True(a.Verify(proof, "member", i, h));
            Assert.False(a.Verify(proof, "host", i, h));
            Assert.False(a.Verify(proof, "member", h, i));
            Assert.False(b.Verify(proof, "member", i, h));
            Assert.Throws<FormatException>(() => ClusterSecret.FromFile(Path.Combine(dir, "short")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
