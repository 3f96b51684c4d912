using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Kernels.Quantum;

public sealed class DeterminantSpec
{
    [Fact]
    public void Tokens_are_the_two_bits_of_each_spatial_orbital_alpha_low()
    {
        // 0 empty, 1 alpha, 2 beta, 3 double; spin orbital 2p = alpha, 2p + 1 = beta.
        byte[] tokens = [3, 1, 2, 0];
        var determinant = Determinants.FromTokens<Determinant64>(tokens);

        Assert.Equal(0b10_0111UL, determinant.Bits);
        Assert.Equal(2, determinant.AlphaCount);
        Assert.Equal(2, determinant.BetaCount);
        Assert.Equal(0b011UL, determinant.AlphaString);
        Assert.Equal(0b101UL, determinant.BetaString);
        Assert.Equal([0, 1, 2, 5], Determinants.Occupied(determinant));
        Assert.Equal("2ab0", Determinants.Describe(determinant, 4));
        var back = new byte[4];
        Determinants.ToTokens(determinant, back);
        Assert.Equal(tokens, back);
    }

    [Fact]
    public void Wide_determinants_hold_orbitals_beyond_spin_orbital_64()
    {
        var tokens = new byte[64];
        tokens[0] = 1;
        tokens[31] = 2;
        tokens[32] = 3;
        tokens[63] = 1;
        var determinant = Determinants.FromTokens<Determinant128>(tokens);

        Assert.Equal(1UL | (1UL << 63), determinant.Low);
        Assert.Equal(0b11UL | (1UL << 62), determinant.High);
        Assert.Equal([0, 63, 64, 65, 126], Determinants.Occupied(determinant));
        Assert.Equal(3, determinant.AlphaCount);
        Assert.Equal(2, determinant.BetaCount);
        Assert.Equal(1UL | (1UL << 32) | (1UL << 63), determinant.AlphaString);
        Assert.Equal((1UL << 31) | (1UL << 32), determinant.BetaString);
        Assert.Equal(2, determinant.OccupiedBelow(64));
        Assert.Equal(4, determinant.OccupiedBelow(126));
        Assert.Equal(determinant, Determinant128.FromSpinStrings(determinant.AlphaString, determinant.BetaString));
        var back = new byte[64];
        Determinants.ToTokens(determinant, back);
        Assert.Equal(tokens, back);
    }

    [Fact]
    public void Both_widths_agree_with_a_naive_bit_count_on_random_determinants()
    {
        var random = new Random(11);
        Span<int> occupied64 = stackalloc int[64];
        Span<int> occupied128 = stackalloc int[64];
        for (var trial = 0; trial < 200; trial++)
        {
            var occupations = new byte[64];
            foreach (var k in Enumerable.Range(0, 64).OrderBy(_ => random.Next()).Take(random.Next(0, 30)))
            {
                occupations[k] = 1;
            }
            var narrow = Determinants.FromOccupations<Determinant64>(occupations);
            var wide = Determinants.FromOccupations<Determinant128>(occupations);

            Assert.Equal(narrow.Bits, wide.Low);
            Assert.Equal(0UL, wide.High);
            Assert.Equal(narrow.AlphaString, wide.AlphaString);
            Assert.Equal(narrow.BetaString, wide.BetaString);
            Assert.Equal(occupations.Count(o => o == 1), narrow.ElectronCount);
            Assert.Equal(occupations.Where((_, k) => k % 2 == 0).Count(o => o == 1), narrow.AlphaCount);
            Assert.Equal(occupations.Where((_, k) => k % 2 == 1).Count(o => o == 1), wide.BetaCount);
            for (var k = 0; k < 64; k++)
            {
                var below = occupations.Take(k).Count(o => o == 1);
                Assert.Equal(below, narrow.OccupiedBelow(k));
                Assert.Equal(below, wide.OccupiedBelow(k));
                Assert.Equal(occupations[k] == 1, narrow.IsOccupied(k));
            }
            var count = narrow.CopyOccupied(occupied64);
            Assert.Equal(count, wide.CopyOccupied(occupied128));
            Assert.True(occupied64[..count].SequenceEqual(occupied128[..count]));
            var back = new byte[64];
            Determinants.ToOccupations(wide, back);
            Assert.Equal(occupations, back);
            Assert.Equal(narrow, Determinant64.FromSpinStrings(narrow.AlphaString, narrow.BetaString));
        }
    }

    [Fact]
    public void Spatial_lists_build_the_interleaved_determinant()
    {
        var determinant = Determinants.FromSpatial<Determinant64>([0, 2], [0]);
        Assert.Equal((1UL << 0) | (1UL << 4) | (1UL << 1), determinant.Bits);
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Determinants.FromTokens<Determinant64>([0, 4]));
        Assert.Throws<ArgumentException>(() => Determinants.FromTokens<Determinant64>(new byte[33]));
        Assert.Throws<ArgumentException>(() => Determinants.FromOccupied<Determinant64>([3, 3]));
        Assert.Throws<ArgumentException>(() => Determinants.FromOccupied<Determinant64>([64]));
        Assert.Throws<ArgumentException>(() => Determinants.FromOccupations<Determinant64>([0, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Determinant64.FromSpinStrings(1UL << 32, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => default(Determinant128).With(128));
    }

    [Fact]
    public void Occupation_strings_are_ranked_without_gaps_in_increasing_order()
    {
        var strings = OccupationStrings.Enumerate(7, 3);
        Assert.Equal(35, strings.Length);
        for (var r = 0; r < strings.Length; r++)
        {
            Assert.Equal(3, System.Numerics.BitOperations.PopCount(strings[r]));
            Assert.Equal(r, OccupationStrings.Rank(strings[r]));
            Assert.True(r == 0 || strings[r] > strings[r - 1]);
        }
        Assert.Equal(1_832_624_140_942_590_534L, OccupationStrings.Binomial(64, 32));
        Assert.Equal([ulong.MaxValue], OccupationStrings.Enumerate(64, 64));
        Assert.Equal([0UL], OccupationStrings.Enumerate(5, 0));
    }

    [Fact]
    public void A_CI_space_indexes_every_determinant_of_its_sector_and_nothing_else()
    {
        var space = new CiSpace<Determinant128>(6, 2, 3);
        Assert.Equal(15 * 20, space.Dimension);
        var all = space.ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
        for (var k = 0; k < space.Dimension; k++)
        {
            Assert.Equal(all[k], space[k]);
            Assert.Equal(k, space.IndexOf(all[k]));
            Assert.Equal(2, all[k].AlphaCount);
            Assert.Equal(3, all[k].BetaCount);
        }
        Assert.Equal(-1, space.IndexOf(Determinants.FromSpatial<Determinant128>([0, 1, 2], [0, 1])));
        Assert.Equal(-1, space.IndexOf(Determinants.FromSpatial<Determinant128>([0, 6], [0, 1, 2])));
    }
}
