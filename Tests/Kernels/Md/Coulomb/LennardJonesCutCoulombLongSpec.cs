using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Coulomb;
using Dataflow.Kernels.Md.LongRange;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md.Coulomb;

/// <summary>lj/cut/coul/long plus a k-space provider: forces are minus the gradient of their summed energy, total
/// momentum is conserved, and one pair's energy is the analytic formula.</summary>
public sealed class LennardJonesCutCoulombLongSpec(ITestOutputHelper output)
{
    private const double CoulombCutoff = 6.0;

    [Fact]
    public void Ewald_plus_pair_forces_are_minus_the_central_difference_gradient_and_sum_to_zero()
    {
        // 64 ions in a 14 A box, Ewald 1e-6 with the exact erfc: forces are then the exact gradient of the
        // truncated Ewald energy, so central differences (h = 1e-5 A, truncation error ~ h^2 F''' ~ 1e-9 eV/A,
        // rounding ~ 1e-16 * 400 eV / h ~ 4e-9 eV/A) must agree to 1e-7 eV/A against forces of order 1 eV/A.
        var state = SaltSystems.RandomSalt(64, 14.0, 11);
        var kspace = KSpaceForceProvider.ForAccuracy(KSpaceStyle.Ewald, state, 1e-6, CoulombCutoff);
        var (maxError, maxForce, netForce) = CompareWithFiniteDifferences(state, kspace, RealSpaceErfc.Exact);
        output.WriteLine($"ewald: max |F - F_fd| = {maxError:E2} eV/A, max |F| = {maxForce:F3} eV/A, |sum F| = {netForce:E2} eV/A");
        Assert.True(maxForce > 0.5, "forces too small for the check to mean anything");
        Assert.True(maxError < 1e-7, $"max |F - F_fd| = {maxError:E2} eV/A");
        // Newton's third law in the pair loop and sum_i q_i Im(e^{ik.r_i} S*(k)) = Im |S(k)|^2 = 0 in k space.
        Assert.True(netForce < 1e-10, $"|sum F| = {netForce:E2} eV/A");
    }

    [Fact]
    public void Pppm_plus_pair_forces_match_the_gradient_within_the_kspace_accuracy()
    {
        // ik-differentiated PPPM forces are not the exact gradient of its mesh energy, nor do they sum to zero
        // exactly (Hockney & Eastwood ch. 7-8): both differ at the level of the k-space error, which pppm 1e-5
        // bounds in RMS by 1e-5 * qqr2e = 1.44e-4 eV/A; allow 5x that for the largest of 18 components.
        var state = SaltSystems.RandomSalt(64, 14.0, 11);
        var kspace = KSpaceForceProvider.ForAccuracy(KSpaceStyle.Pppm, state, 1e-5, CoulombCutoff);
        var bound = 5e-5 * state.Units.Qqr2e;
        var (maxError, maxForce, netForce) = CompareWithFiniteDifferences(state, kspace, RealSpaceErfc.Exact);
        output.WriteLine($"pppm {kspace.PppmParameters}: max |F - F_fd| = {maxError:E2} eV/A, |sum F| = {netForce:E2} eV/A");
        Assert.True(maxForce > 0.5);
        Assert.True(maxError < bound, $"max |F - F_fd| = {maxError:E2} eV/A, bound {bound:E2}");
        Assert.True(netForce < bound, $"|sum F| = {netForce:E2} eV/A, bound {bound:E2}");
    }

    [Fact]
    public void LAMMPS_polynomial_erfc_stays_within_its_fit_error_of_the_exact_pair_energy()
    {
        var kspace = new KSpaceForceProvider(new EwaldParameters(0.3, CoulombCutoff, 5, 5, 5));
        var exact = SaltSystems.Pair(kspace, RealSpaceErfc.Exact);
        var lammps = SaltSystems.Pair(kspace, RealSpaceErfc.LammpsPolynomial);
        var units = UnitSystem.Metal;
        foreach (var r in new[] { 2.5, 3.0, 4.0, 5.5 })
        {
            // Analytic: 4 eps ((s/r)^12 - (s/r)^6) + qqr2e q_i q_j erfc(g r) / r with arithmetic mixing of 1-2.
            var sigma = 0.5 * (2.350 + 4.400);
            var epsilon = Math.Sqrt(0.005637 * 0.004336);
            var lj = 4 * epsilon * (Math.Pow(sigma / r, 12) - Math.Pow(sigma / r, 6));
            var coulomb = -units.Qqr2e * ComplementaryErrorFunction.Reference(0.3 * r) / r;
            Assert.Equal(lj + coulomb, exact.PairEnergy(1, 2, 1.0, -1.0, r, units), 1e-12);
            // A&S 7.1.26: |erfc error| <= 1.5e-7, times qqr2e / r.
            Assert.True(Math.Abs(lammps.PairEnergy(1, 2, 1.0, -1.0, r, units) - (lj + coulomb)) <= 1.5e-7 * units.Qqr2e / r);
        }
        // Beyond the Coulomb cutoff nothing; beyond the LJ cutoff of 8 A neither term.
        Assert.Equal(0.0, exact.PairEnergy(1, 2, 1.0, -1.0, 8.5, units));
    }

    // Central differences of E = E_pair + E_kspace on 6 atoms x 3 components; returns the largest deviation, the
    // largest force and |sum_i F_i|.
    private static (double MaxError, double MaxForce, double NetForce) CompareWithFiniteDifferences(
        MdState state, KSpaceForceProvider kspace, RealSpaceErfc erfc)
    {
        var pair = LennardJonesCutCoulombLong.ForKSpace(
            kspace, 2, CoulombCutoff, SaltSystems.Coefficients, LennardJonesMixing.Arithmetic, erfc: erfc,
            options: new PairComputeOptions { Threads = 1 });
        var simulation = new MdSimulation(state, [pair, kspace], new VelocityVerlet(), new NeighborSettings { SkinDistance = 1.0 }, 1);
        double Energy()
        {
            simulation.Neighbors.Build(state);
            simulation.ComputeForces(ForceTerms.Energy);
            return simulation.Forces.Energy;
        }
        Energy();
        var forces = (double[])simulation.Forces.Forces.Clone();
        const double h = 1e-5;
        var maxError = 0.0;
        foreach (var atom in new[] { 0, 1, 17, 30, 45, 63 })
        {
            for (var axis = 0; axis < 3; axis++)
            {
                var k = 3 * atom + axis;
                var x0 = state.Positions[k];
                state.Positions[k] = x0 + h;
                var plus = Energy();
                state.Positions[k] = x0 - h;
                var minus = Energy();
                state.Positions[k] = x0;
                maxError = Math.Max(maxError, Math.Abs(forces[k] + (plus - minus) / (2 * h)));
            }
        }
        var net = new double[3];
        for (var i = 0; i < forces.Length; i++)
        {
            net[i % 3] += forces[i];
        }
        return (maxError, forces.Max(Math.Abs), Math.Sqrt(net.Sum(c => c * c)));
    }
}
