using Dataflow.Kernels.Nqs;
using Xunit;

namespace Dataflow.Tests.Kernels.Nqs;

public sealed class OrbitalTokensSpec
{
    [Fact]
    public void Spin_orbital_2p_is_alpha_and_2p_plus_1_is_beta_of_orbital_p()
    {
        // Orbital 0 doubly occupied (bits 0, 1), orbital 1 empty, orbital 2 alpha (bit 4), orbital 3 beta (bit 7).
        byte[] tokens = [3, 0, 1, 2];
        Assert.Equal(0b1001_0011UL, OrbitalTokens.ToBits(tokens));
        Assert.Equal((UInt128)0b1001_0011UL, OrbitalTokens.ToBits128(tokens));
        var back = new byte[4];
        OrbitalTokens.FromBits(0b1001_0011UL, back);
        Assert.Equal(tokens, back);
    }

    [Fact]
    public void The_128_bit_string_round_trips_64_orbitals_and_puts_the_last_beta_in_bit_127()
    {
        var random = new Random(5);
        var tokens = Enumerable.Range(0, 64).Select(_ => (byte)random.Next(4)).ToArray();
        tokens[63] = OrbitalTokens.BetaOnly;
        var bits = OrbitalTokens.ToBits128(tokens);
        Assert.Equal(UInt128.One << 127, bits & (UInt128.One << 127));
        Assert.Equal(UInt128.Zero, bits & (UInt128.One << 126));
        var back = new byte[64];
        OrbitalTokens.FromBits128(bits, back);
        Assert.Equal(tokens, back);
        Assert.Throws<ArgumentException>(() => OrbitalTokens.ToBits(tokens));
    }

    [Fact]
    public void Enumeration_lists_each_valid_configuration_once_in_lexicographic_order()
    {
        var space = new ConfigurationSpace(6, 3, 2);
        var all = space.Enumerate();
        var count = all.Length / 6;
        Assert.Equal(20 * 15, count);
        Assert.Equal(300.0, space.Dimension);
        for (var i = 0; i < count; i++)
        {
            var x = all.AsSpan(i * 6, 6);
            Assert.True(space.IsValid(x));
            Assert.Equal(3, x.ToArray().Sum(t => OrbitalTokens.Alpha(t)));
            Assert.Equal(2, x.ToArray().Sum(t => OrbitalTokens.Beta(t)));
            if (i > 0)
            {
                Assert.True(all.AsSpan((i - 1) * 6, 6).SequenceCompareTo(x) < 0);
            }
        }
    }

    [Fact]
    public void The_mask_forbids_exceeding_or_stranding_electrons()
    {
        var space = new ConfigurationSpace(4, 2, 1);
        // Two orbitals left after position 1 with one alpha used: the alpha count can still be met either way.
        Assert.True(space.IsAllowed(1, 0, 1, OrbitalTokens.Empty));
        // After position 2 one orbital remains: with no alpha used yet, leaving orbital 2 alpha-free strands one.
        Assert.False(space.IsAllowed(0, 0, 2, OrbitalTokens.Empty));
        Assert.True(space.IsAllowed(0, 0, 2, OrbitalTokens.AlphaOnly));
        // A second beta electron is never allowed.
        Assert.False(space.IsAllowed(0, 1, 0, OrbitalTokens.BetaOnly));
        Assert.False(space.IsValid([3, 1, 0, 1]));
        Assert.True(space.IsValid([3, 1, 0, 0]));
    }
}
