using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Coulomb;
using Dataflow.Kernels.Md.Domains;
using Dataflow.Tests.Kernels.Md.Coulomb;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Domains;

/// <summary>The domain pair loops on one domain with ghosts give the engine's forces, energy and virial (a second,
/// independent pair loop over a half list with image shifts), to summation-order rounding.</summary>
public sealed class DomainPairStyleSpec
{
    private static readonly LennardJonesPairCoefficient[] s_binary =
    [
        new(1, 1, 1.0, 1.0),
        new(2, 2, 0.5, 1.2, 2.2),
    ];

    [Fact]
    public void Lj_cut_on_one_domain_with_ghosts_matches_the_engine_on_displaced_lj_500()
    {
        var state = DomainTestSystems.DisplacedLj500();
        var pair = LennardJonesCut.SingleType(1.0, 1.0, 2.5, options: new PairComputeOptions { Threads = 1 });
        AssertMatchesEngine(state, pair, DomainPairStyles.Create(pair, state.Units), 2.8);
    }

    [Fact]
    public void Lj_cut_with_two_types_mixing_and_shift_matches_the_engine()
    {
        var state = DomainTestSystems.Wrapped(new MdState(MdTestSystems.Random(300, 9.0, 2, 0.85, seed: 21), UnitSystem.Lj));
        var pair = new LennardJonesCut(2, 2.5, s_binary, shift: true, options: new PairComputeOptions { Threads = 1 });
        AssertMatchesEngine(state, pair, new DomainLennardJonesCut(pair, threads: 2), pair.MaxCutoff + 0.3);
    }

    [Theory]
    [InlineData(RealSpaceErfc.LammpsPolynomial)]
    [InlineData(RealSpaceErfc.Exact)]
    public void Lj_cut_coul_long_on_one_domain_with_ghosts_matches_the_engine_on_molten_NaCl(RealSpaceErfc erfc)
    {
        var state = DomainTestSystems.Wrapped(SaltSystems.MeltState());
        // g_ewald of kspace_style ewald 1e-6 with the 8 A cutoff (0.42846062 in LAMMPS' log.nacl-ewald).
        var kspace = KSpaceForceProvider.ForAccuracy(KSpaceStyle.Ewald, state, 1e-6, SaltSystems.CutoffAngstrom);
        var pair = SaltSystems.Pair(kspace, erfc, threads: 1);
        var domain = DomainPairStyles.Create(pair, state.Units, threads: 2);
        Assert.Equal("lj/cut/coul/long", domain.Name);
        Assert.True(domain.UsesCharges);
        AssertMatchesEngine(state, pair, domain, SaltSystems.CutoffAngstrom + 2.0);
    }

    [Fact]
    public void Styles_without_a_domain_loop_and_missing_charges_are_refused()
    {
        var state = SaltSystems.MeltState();
        var kspace = KSpaceForceProvider.ForAccuracy(KSpaceStyle.Ewald, state, 1e-6, SaltSystems.CutoffAngstrom);
        Assert.Throws<NotSupportedException>(() => DomainPairStyles.Create(kspace, state.Units));
        var domain = DomainPairStyles.Create(SaltSystems.Pair(kspace), state.Units);
        var list = new DomainNeighborList();
        list.Build([0, 0, 0, 3, 0, 0], 2, 2, [1, 2], 10.0);
        var error = Assert.Throws<ArgumentException>(() => domain.Compute(list, [0, 0, 0, 3, 0, 0], [1, 2], null, new ForceResult(2)));
        Assert.Contains("charge", error.Message);
        Assert.Throws<ArgumentException>(() => domain.Compute(list, [0, 0, 0, 3, 0, 0], [1, 3], [1, -1], new ForceResult(2)));
    }

    // Engine: half list over the periodic box with image shifts, Newton's third law; domain: full list over owned
    // atoms and ghosts. Same pair arithmetic, different summation order: agreement to ~1e-12 relative.
    private static void AssertMatchesEngine(MdState state, IForceProvider engine, IDomainPairStyle domain, double listCutoff)
    {
        var list = new NeighborListBuilder(1).Build(state, listCutoff, NeighborListKind.Half);
        var expected = new ForceResult(state.AtomCount, ForceTerms.All);
        engine.Compute(state, list, expected);

        var atoms = DomainTestSystems.Single(state, listCutoff);
        var actual = DomainTestSystems.Evaluate(domain, [atoms], state.AtomCount, listCutoff);

        var scale = expected.Forces.Max(Math.Abs);
        Assert.True(scale > 1e-3, "forces too small for the comparison to mean anything");
        for (var k = 0; k < expected.Forces.Length; k++)
        {
            if (!(Math.Abs(actual.Forces[k] - expected.Forces[k]) <= 1e-12 * scale))
            {
                Assert.Fail($"force {k}: {actual.Forces[k]:R}, engine {expected.Forces[k]:R}");
            }
        }
        MdTestSystems.Close(expected.Energy, actual.Energy.Sum(), 1e-12, "total energy");
        var virialScale = expected.Virial.Take(3).Max(Math.Abs);
        for (var c = 0; c < 6; c++)
        {
            var total = Enumerable.Range(0, state.AtomCount).Sum(i => actual.Virial[6 * i + c]);
            Assert.True(Math.Abs(total - expected.Virial[c]) <= 1e-12 * virialScale,
                $"virial {c}: {total:R}, engine {expected.Virial[c]:R}");
        }
        // Per atom as well: the engine gives each atom half of each of its pairs too.
        for (var i = 0; i < state.AtomCount; i++)
        {
            Assert.True(Math.Abs(actual.Energy[i] - expected.PerAtomEnergy[i]) <= 1e-12 * Math.Abs(expected.Energy),
                $"energy of atom {i}: {actual.Energy[i]:R}, engine {expected.PerAtomEnergy[i]:R}");
        }
    }
}
