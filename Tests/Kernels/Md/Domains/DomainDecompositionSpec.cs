using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Coulomb;
using Dataflow.Kernels.Md.Domains;
using Dataflow.Kernels.Md.LongRange;
using Dataflow.Tests.Kernels.Md.Coulomb;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Domains;

/// <summary>Every atom's force, energy and virial have the same bits whether the box is one domain or cut into 2 or
/// 8, whatever the local storage order and the thread counts of the list and the loop.</summary>
public sealed class DomainDecompositionSpec
{
    [Theory]
    [InlineData("lj/cut")]
    [InlineData("lj/cut/coul/long")]
    public void Results_have_the_same_bits_for_any_decomposition_order_and_thread_count(string style)
    {
        var (state, pair, listCutoff) = Problem(style);
        var one = DomainPairStyles.Create(pair, state.Units, threads: 1);
        var two = DomainPairStyles.Create(pair, state.Units, threads: 2);
        var n = state.AtomCount;
        var single = DomainTestSystems.Single(state, listCutoff);
        var reference = DomainTestSystems.Evaluate(one, [single], n, listCutoff);
        Assert.True(reference.Forces.Max(Math.Abs) > 1e-3);
        Assert.NotEqual(0.0, reference.Energy.Sum());

        reference.AssertBitwiseEqual(DomainTestSystems.Evaluate(two, [single], n, listCutoff, listThreads: 2), "1 domain, 2 threads");
        reference.AssertBitwiseEqual(
            DomainTestSystems.Evaluate(one, [DomainTestSystems.Shuffled(single, 1)], n, listCutoff), "1 domain, shuffled");
        foreach (var (nx, ny, nz) in new[] { (2, 1, 1), (1, 2, 1), (2, 2, 2) })
        {
            var domains = DomainTestSystems.Split(state, nx, ny, nz, listCutoff);
            Assert.All(domains, d => Assert.True(d.Owned > 0 && d.Count > d.Owned));
            reference.AssertBitwiseEqual(DomainTestSystems.Evaluate(one, domains, n, listCutoff), $"{nx}x{ny}x{nz} domains");
            var shuffled = domains.Select((d, k) => DomainTestSystems.Shuffled(d, 10 + k)).ToArray();
            reference.AssertBitwiseEqual(
                DomainTestSystems.Evaluate(two, shuffled, n, listCutoff, listThreads: 2), $"{nx}x{ny}x{nz} domains, shuffled, 2 threads");
        }
    }

    [Fact]
    public void Forces_alone_have_the_bits_of_forces_with_energy_and_virial()
    {
        // The one-type forces-only loop is a separate method from the tallying one; it must not change a bit.
        var (state, pair, listCutoff) = Problem("lj/cut");
        var style = DomainPairStyles.Create(pair, state.Units, threads: 2);
        var atoms = DomainTestSystems.Single(state, listCutoff);
        var list = new DomainNeighborList(2);
        list.Build(atoms.Positions, atoms.Count, atoms.Owned, atoms.Keys, listCutoff);
        var forcesOnly = new ForceResult(atoms.Owned, ForceTerms.Forces);
        var all = new ForceResult(atoms.Owned, ForceTerms.All);
        style.Compute(list, atoms.Positions, atoms.Types, null, forcesOnly);
        style.Compute(list, atoms.Positions, atoms.Types, null, all);
        Assert.Equal(all.Forces.Select(BitConverter.DoubleToInt64Bits), forcesOnly.Forces.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(0.0, forcesOnly.Energy);
        Assert.Equal(all.PerAtomEnergy.Sum(), all.Energy, 1e-12);
    }

    private static (MdState State, IForceProvider Pair, double ListCutoff) Problem(string style)
    {
        if (style == "lj/cut")
        {
            var lj = DomainTestSystems.DisplacedLj500();
            return (lj, LennardJonesCut.SingleType(1.0, 1.0, 2.5), 2.8);
        }
        var salt = DomainTestSystems.Wrapped(SaltSystems.MeltState());
        var kspace = new KSpaceForceProvider(new EwaldParameters(0.3, SaltSystems.CutoffAngstrom, 5, 5, 5));
        return (salt, SaltSystems.Pair(kspace, threads: 1), SaltSystems.CutoffAngstrom + 2.0);
    }
}
