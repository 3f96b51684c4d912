using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

public sealed class LennardJonesCutSpec
{
    private static readonly LennardJonesPairCoefficient[] s_binary =
    [
        new(1, 1, 1.0, 1.0),
        new(2, 2, 0.5, 1.2, 2.2),
    ];

    [Theory]
    [InlineData(PairComputePath.HalfList, false)]
    [InlineData(PairComputePath.HalfList, true)]
    [InlineData(PairComputePath.FullListKernel, true)]
    public void A_dimer_has_the_analytic_energy_force_and_virial(PairComputePath path, bool shift)
    {
        // E = 4 eps [(s/r)^12 - (s/r)^6] - shift, F = 24 eps / r [2 (s/r)^12 - (s/r)^6] (docs.lammps.org/pair_lj.html).
        const double eps = 0.7, sigma = 1.1, cut = 3.0, r = 1.15;
        var system = new MdSystem(
            OrthogonalBox.FromLengths(10, 10, 10), 1, [1, 2], [1, 1], [2, 3, 4, 2 + r * 0.6, 3 + r * 0.8, 4],
            masses: [1.0]);
        using var pair = LennardJonesCut.SingleType(eps, sigma, cut, shift, new PairComputeOptions { Path = path, Threads = 1 });
        var result = Evaluate(system, pair, ForceTerms.All);

        var sr6 = Math.Pow(sigma / r, 6);
        var energy = 4 * eps * (sr6 * sr6 - sr6) - (shift ? 4 * eps * (Math.Pow(sigma / cut, 12) - Math.Pow(sigma / cut, 6)) : 0);
        var force = 24 * eps / r * (2 * sr6 * sr6 - sr6);
        Assert.Equal(energy, result.Energy, 1e-12);
        // Force on atom 1 points from 2 to 1 when repulsive (here r < 2^(1/6) sigma, so it is).
        Assert.True(force > 0);
        Assert.Equal(-force * 0.6, result.Forces[0], 1e-12);
        Assert.Equal(-force * 0.8, result.Forces[1], 1e-12);
        Assert.Equal(force * 0.6, result.Forces[3], 1e-12);
        Assert.Equal(0.0, result.Forces[2] + result.Forces[5], 1e-15);
        // W_ab = r_a f_b of the pair: xx = (0.6 r)(0.6 F), xy = (0.6 r)(0.8 F).
        Assert.Equal(r * force * 0.36, result.Virial[0], 1e-12);
        Assert.Equal(r * force * 0.64, result.Virial[1], 1e-12);
        Assert.Equal(r * force * 0.48, result.Virial[3], 1e-12);
        Assert.Equal(energy / 2, result.PerAtomEnergy[1], 1e-12);
    }

    [Theory]
    [InlineData(PairComputePath.HalfList, 1)]
    [InlineData(PairComputePath.HalfList, 2)]
    [InlineData(PairComputePath.FullListKernel, 2)]
    public void Forces_are_minus_the_energy_gradient_by_central_differences(PairComputePath path, int threads)
    {
        // Two types with mixed 1-2 coefficients and a per-pair cutoff; a 6.0 box holds two 2.8-wide bins per edge.
        var system = MdTestSystems.Random(64, 6.0, 2, 0.85, seed: 11);
        using var pair = new LennardJonesCut(2, 2.5, s_binary, shift: true,
            options: new PairComputeOptions { Path = path, Threads = threads });
        var forces = Evaluate(system, pair, ForceTerms.Energy).Forces;
        const double h = 1e-6;
        var maxForce = forces.Max(Math.Abs);
        foreach (var k in new[] { 0, 1, 2, 31, 62, 95, 100, 150, 191 })
        {
            var x0 = system.Positions[k];
            system.Positions[k] = x0 + h;
            var plus = Evaluate(system, pair, ForceTerms.Energy).Energy;
            system.Positions[k] = x0 - h;
            var minus = Evaluate(system, pair, ForceTerms.Energy).Energy;
            system.Positions[k] = x0;
            var numeric = -(plus - minus) / (2 * h);
            Assert.True(Math.Abs(numeric - forces[k]) < 1e-6 * maxForce,
                $"coordinate {k}: force {forces[k]:R}, -dE/dx {numeric:R}");
        }
    }

    [Fact]
    public void Diagonal_virial_is_minus_the_derivative_under_affine_stretching_of_the_periodic_box()
    {
        // W_aa = -dE/d(eps) when positions and box stretch by (1 + eps) along a (the virial theorem's volume
        // derivative: P_virial = -dE/dV at fixed scaled coordinates).
        var system = MdTestSystems.Random(64, 6.0, 2, 0.85, seed: 5);
        using var pair = new LennardJonesCut(2, 2.5, s_binary, shift: true, options: new PairComputeOptions { Threads = 1 });
        var virial = Evaluate(system, pair, ForceTerms.Virial).Virial;
        const double h = 1e-6;
        for (var axis = 0; axis < 3; axis++)
        {
            var numeric = -(Stretched(system, pair, axis, h) - Stretched(system, pair, axis, -h)) / (2 * h);
            Assert.True(Math.Abs(numeric - virial[axis]) < 1e-6 * Math.Abs(virial[axis]), $"axis {axis}: W {virial[axis]:R}, -dE/de {numeric:R}");
        }
    }

    [Fact]
    public void Off_diagonal_virial_is_minus_the_derivative_under_shear_of_a_cluster()
    {
        // An isolated cluster (no image within the cutoff) sheared x -> x + eps y: W_xy = -dE/d(eps); likewise xz, yz.
        var cluster = MdTestSystems.Random(40, 4.0, 2, 0.85, seed: 3);
        var x = cluster.Positions.Select(v => v + 8.0).ToArray();
        var system = new MdSystem(OrthogonalBox.FromLengths(20, 20, 20), 2, cluster.Ids, cluster.Types, x, masses: cluster.Masses);
        using var pair = new LennardJonesCut(2, 2.5, s_binary, options: new PairComputeOptions { Threads = 1 });
        var virial = Evaluate(system, pair, ForceTerms.Virial).Virial;
        const double h = 1e-6;
        foreach (var (component, a, b) in new[] { (3, 0, 1), (4, 0, 2), (5, 1, 2) })
        {
            var numeric = -(Sheared(system, pair, a, b, h) - Sheared(system, pair, a, b, -h)) / (2 * h);
            Assert.True(Math.Abs(numeric - virial[component]) < 1e-6 * virial.Take(3).Max(Math.Abs),
                $"component {component}: W {virial[component]:R}, -dE/de {numeric:R}");
        }
    }

    [Theory]
    [InlineData(PairComputePath.HalfList, 1)]
    [InlineData(PairComputePath.HalfList, 2)]
    [InlineData(PairComputePath.FullListKernel, 1)]
    public void Per_atom_energies_and_virials_sum_to_the_totals(PairComputePath path, int threads)
    {
        var system = MdTestSystems.Random(200, 8.0, 2, 0.85, seed: 9);
        using var pair = new LennardJonesCut(2, 2.5, s_binary, shift: true, options: new PairComputeOptions { Path = path, Threads = threads });
        var result = Evaluate(system, pair, ForceTerms.All);
        Assert.Equal(result.Energy, result.PerAtomEnergy.Sum(), 1e-10);
        for (var c = 0; c < 6; c++)
        {
            var sum = Enumerable.Range(0, system.AtomCount).Sum(i => result.PerAtomVirial[6 * i + c]);
            Assert.Equal(result.Virial[c], sum, 1e-10);
        }
        // Newton's third law: pair forces cancel.
        for (var d = 0; d < 3; d++)
        {
            Assert.Equal(0.0, Enumerable.Range(0, system.AtomCount).Sum(i => result.Forces[3 * i + d]), 1e-10);
        }
    }

    [Fact]
    public void Half_list_and_full_list_kernel_agree()
    {
        var system = MdTestSystems.Random(300, 9.0, 2, 0.85, seed: 21);
        using var half = new LennardJonesCut(2, 2.5, s_binary, options: new PairComputeOptions { Threads = 2 });
        using var kernel = new LennardJonesCut(2, 2.5, s_binary, options: new PairComputeOptions { Path = PairComputePath.FullListKernel, Threads = 2 });
        var a = Evaluate(system, half, ForceTerms.All);
        var b = Evaluate(system, kernel, ForceTerms.All);
        var scale = a.Forces.Max(Math.Abs);
        for (var k = 0; k < a.Forces.Length; k++)
        {
            Assert.True(Math.Abs(a.Forces[k] - b.Forces[k]) < 1e-12 * scale, $"force {k}: {a.Forces[k]:R} vs {b.Forces[k]:R}");
        }
        Assert.Equal(a.Energy, b.Energy, 1e-10);
        for (var c = 0; c < 6; c++)
        {
            Assert.Equal(a.Virial[c], b.Virial[c], 1e-9);
        }
    }

    [Fact]
    public void Kernel_gives_the_same_bits_by_direct_dispatch_and_on_the_ILGPU_CPU_accelerator()
    {
        // Each index sums its own neighbours in list order in one thread through the same method, so how indices are
        // spread over threads, or emulated as GPU threads, cannot change a bit.
        var system = MdTestSystems.Random(120, 7.0, 2, 0.85, seed: 4);
        using var direct = new LennardJonesCut(2, 2.5, s_binary, shift: true,
            options: new PairComputeOptions { Path = PairComputePath.FullListKernel, Threads = 2, Backend = ComputeBackendKind.Cpu });
        using var emulated = new LennardJonesCut(2, 2.5, s_binary, shift: true,
            options: new PairComputeOptions { Path = PairComputePath.FullListKernel, Backend = ComputeBackendKind.IlgpuCpu });
        var a = Evaluate(system, direct, ForceTerms.All);
        var b = Evaluate(system, emulated, ForceTerms.All);
        Assert.Equal(a.Forces, b.Forces);
        Assert.Equal(a.PerAtomEnergy, b.PerAtomEnergy);
        Assert.Equal(a.PerAtomVirial, b.PerAtomVirial);
        Assert.Equal(a.Energy, b.Energy);
        Assert.NotEqual(0.0, a.Energy);
    }

    [Fact]
    public void Kernel_compiles_to_double_precision_PTX()
    {
        var ptx = PtxKernelCompiler.Compile(
            LennardJonesCutKernel.FullListForces, ILGPU.Runtime.Cuda.CudaArchitecture.SM_80);
        Assert.Contains(".target sm_80", ptx);
        // 1 / r^2 as the correctly rounded reciprocal, and double-precision arithmetic throughout.
        Assert.Contains("rcp.rn.f64", ptx);
        Assert.Contains("mul.f64", ptx);
        Assert.DoesNotContain(".f32", ptx);
        Assert.Contains("FullListForces", ptx);
    }

    [Fact]
    public void Unlike_pairs_mix_as_LAMMPS_pair_modify_mix_and_explicit_pairs_win()
    {
        // Pair::mix_energy / mix_distance (src/pair.cpp).
        LennardJonesPairCoefficient[] like = [new(1, 1, 1.0, 1.0), new(2, 2, 0.25, 2.0, 4.0)];
        using var geometric = new LennardJonesCut(2, 2.5, like);
        Assert.Equal(Math.Sqrt(0.25), geometric.Epsilon(1, 2), 15);
        Assert.Equal(Math.Sqrt(2.0), geometric.Sigma(2, 1), 15);
        Assert.Equal(Math.Sqrt(2.5 * 4.0), geometric.Cutoff(1, 2), 15);
        Assert.Equal(4.0, geometric.MaxCutoff);
        using var arithmetic = new LennardJonesCut(2, 2.5, like, LennardJonesMixing.Arithmetic);
        Assert.Equal(0.5, arithmetic.Epsilon(1, 2), 15);
        Assert.Equal(1.5, arithmetic.Sigma(1, 2), 15);
        Assert.Equal(3.25, arithmetic.Cutoff(1, 2), 15);
        using var sixth = new LennardJonesCut(2, 2.5, like, LennardJonesMixing.SixthPower);
        Assert.Equal(2 * 0.5 * 8 / 65.0, sixth.Epsilon(1, 2), 15);
        Assert.Equal(Math.Pow(32.5, 1.0 / 6), sixth.Sigma(1, 2), 14);
        using var explicitPair = new LennardJonesCut(2, 2.5, [.. like, new(2, 1, 0.1, 1.7)]);
        Assert.Equal(0.1, explicitPair.Epsilon(1, 2));
        Assert.Equal(1.7, explicitPair.Sigma(1, 2));
        Assert.Equal(2.5, explicitPair.Cutoff(1, 2));
        var missing = Assert.Throws<ArgumentException>(() => new LennardJonesCut(2, 2.5, [new(1, 1, 1.0, 1.0)]));
        Assert.Contains("pair 1 2 has no coefficients", missing.Message);
    }

    [Fact]
    public void Shift_lowers_each_pair_energy_by_its_value_at_the_cutoff_and_leaves_forces()
    {
        var system = MdTestSystems.Random(100, 7.0, 1, 0.9, seed: 8);
        using var plain = LennardJonesCut.SingleType(1.0, 1.0, 2.5, options: new PairComputeOptions { Threads = 1 });
        using var shifted = LennardJonesCut.SingleType(1.0, 1.0, 2.5, shift: true, options: new PairComputeOptions { Threads = 1 });
        var a = Evaluate(system, plain, ForceTerms.Energy);
        var b = Evaluate(system, shifted, ForceTerms.Energy);
        Assert.Equal(a.Forces, b.Forces);
        Assert.Equal(0.0, shifted.PairEnergy(1, 1, 2.5 - 1e-12), 9);
        Assert.Equal(0.0, plain.PairEnergy(1, 1, 2.5));
        // E_shifted = E - n_pairs * E(rc): the difference is a whole number of pair offsets.
        var offset = plain.PairEnergy(1, 1, 2.5 - 1e-15);
        var pairs = (a.Energy - b.Energy) / offset;
        Assert.True(pairs > 100);
        Assert.Equal(Math.Round(pairs), pairs, 6);
    }

    private static ForceResult Evaluate(MdSystem system, LennardJonesCut pair, ForceTerms terms)
    {
        var state = new MdState(system, UnitSystem.Lj);
        var list = new NeighborListBuilder(2).Build(state, pair.MaxCutoff + 0.3, pair.Neighbors!.Kind);
        var result = new ForceResult(system.AtomCount, terms);
        pair.Compute(state, list, result);
        return result;
    }

    private static double Stretched(MdSystem system, LennardJonesCut pair, int axis, double eps)
    {
        var copy = system.Clone();
        for (var k = axis; k < copy.Positions.Length; k += 3)
        {
            copy.Positions[k] *= 1 + eps;
        }
        var b = copy.Box;
        copy.Box = axis switch
        {
            0 => b with { XHi = b.XHi * (1 + eps) },
            1 => b with { YHi = b.YHi * (1 + eps) },
            _ => b with { ZHi = b.ZHi * (1 + eps) },
        };
        return Evaluate(copy, pair, ForceTerms.Energy).Energy;
    }

    private static double Sheared(MdSystem system, LennardJonesCut pair, int a, int b, double eps)
    {
        var copy = system.Clone();
        for (var i = 0; i < copy.AtomCount; i++)
        {
            copy.Positions[3 * i + a] += eps * copy.Positions[3 * i + b];
        }
        return Evaluate(copy, pair, ForceTerms.Energy).Energy;
    }
}
