using Dataflow.Kernels.Md.LongRange;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md.LongRange;

public sealed class EwaldSummationSpec(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(LongRangeSystems.Qqr2eReal)]
    public void Rock_salt_gives_the_Madelung_constant_to_1e_9(double qqr2e)
    {
        // E per ion pair = -M qqr2e q^2 / r0 with M = 1.747564594633 (Borwein et al., Lattice Sums Then and Now, 2013), r0 = 1; 64 ions, cutoff < L/2.
        var crystal = LongRangeSystems.RockSalt(2, qqr2e: qqr2e);
        var ewald = EwaldSummation.ForAccuracy(crystal, 1e-12, 1.9);
        var result = ewald.Compute(crystal);
        var madelung = -result.Energy / (crystal.Count / 2) / qqr2e;
        output.WriteLine($"{ewald.Parameters}: M = {madelung:R}");
        Assert.True(Math.Abs(madelung - LongRangeSystems.NaClMadelung) < 1e-9 * LongRangeSystems.NaClMadelung,
            $"M = {madelung:R}");
        // Every ion sits at a centre of inversion: no force.
        Assert.All(result.Forces, f => Assert.True(Math.Abs(f) < 1e-9 * qqr2e));
    }

    [Fact]
    public void A_cutoff_beyond_half_the_box_sums_periodic_images_and_still_gives_Madelung()
    {
        // One 8-ion cell (edge 2) with a 4.5 cutoff: each ion meets many images of every ion, itself included.
        var cell = LongRangeSystems.RockSalt(1);
        var result = new EwaldSummation(new EwaldParameters(1.5, 4.5, 8, 8, 8)).Compute(cell);
        var madelung = -result.Energy / 4;
        Assert.True(Math.Abs(madelung - LongRangeSystems.NaClMadelung) < 1e-9 * LongRangeSystems.NaClMadelung,
            $"M = {madelung:R}");
    }

    [Fact]
    public void Forces_are_minus_the_energy_gradient_and_sum_to_zero()
    {
        var system = LongRangeSystems.RandomCharges(40, new OrthogonalBox(8, 9, 7.5), seed: 3, qqr2e: 14.399645);
        var ewald = new EwaldSummation(EwaldParameters.ForAccuracy(system, 1e-7, 3.5));
        // A pair within 1e-4 of the cutoff could cross it under the 1e-5 displacements below.
        Assert.True(LongRangeSystems.ClosestPairToCutoff(system, 3.5) > 1e-4);
        var result = ewald.Compute(system);
        var rms = LongRangeSystems.RmsForce(result.Forces);
        const double H = 1e-5;
        foreach (var atom in new[] { 0, 7, 22, 39 })
        {
            for (var axis = 0; axis < 3; axis++)
            {
                var plus = ewald.Compute(LongRangeSystems.Displaced(system, atom, axis, H)).Energy;
                var minus = ewald.Compute(LongRangeSystems.Displaced(system, atom, axis, -H)).Energy;
                var numeric = -(plus - minus) / (2 * H);
                Assert.True(Math.Abs(numeric - result.Forces[(3 * atom) + axis]) < 1e-7 * rms,
                    $"atom {atom} axis {axis}: analytic {result.Forces[(3 * atom) + axis]:R}, numeric {numeric:R}");
            }
        }
        for (var axis = 0; axis < 3; axis++)
        {
            var sum = 0.0;
            for (var i = 0; i < system.Count; i++)
            {
                sum += result.Forces[(3 * i) + axis];
            }
            Assert.True(Math.Abs(sum) < 1e-11 * rms * system.Count, $"net force {sum:E2} along axis {axis}");
        }
    }

    [Fact]
    public void Diagonal_virial_is_minus_the_energy_derivative_under_box_scaling_with_a_net_charge()
    {
        // W_aa = -dE/d(strain_aa): scale coordinates and edge a by (1 +- d), g, cutoff and k range fixed. The net
        // charge makes the neutralising background (E ~ 1/V) contribute too.
        var system = LongRangeSystems.RandomCharges(40, new OrthogonalBox(8, 9, 7.5), seed: 5, extraCharge: 0.5);
        const double Cutoff = 3.5;
        var parameters = EwaldParameters.ForAccuracy(system, 1e-7, Cutoff);
        var ewald = new EwaldSummation(parameters);
        Assert.True(LongRangeSystems.ClosestPairToCutoff(system, Cutoff) > 1e-4);
        var virial = ewald.Compute(system).Virial;
        const double D = 1e-6;
        var scale = virial.Take(3).Max(Math.Abs);
        for (var axis = 0; axis < 3; axis++)
        {
            double Energy(double s) => ewald.Compute(system.ScaledAlongAxes(
                axis == 0 ? s : 1, axis == 1 ? s : 1, axis == 2 ? s : 1)).Energy;
            var numeric = -(Energy(1 + D) - Energy(1 - D)) / (2 * D);
            output.WriteLine($"W[{axis}{axis}] analytic {virial[axis]:R} numeric {numeric:R}");
            Assert.True(Math.Abs(numeric - virial[axis]) < 1e-6 * scale, $"axis {axis}");
        }
        var trace = -(ewald.Compute(system.ScaledUniformly(1 + D)).Energy
            - ewald.Compute(system.ScaledUniformly(1 - D)).Energy) / (2 * D);
        Assert.True(Math.Abs(trace - (virial[0] + virial[1] + virial[2])) < 1e-6 * scale);
    }

    [Fact]
    public void Off_diagonal_virial_turns_as_a_tensor_when_a_cubic_box_is_rotated()
    {
        // (x, y, z) -> (y, L - x, z) is a rotation by -90 degrees about z that maps the periodic cube onto
        // itself; W' = R W R^T gives W'xx = Wyy, W'xy = -Wxy, W'xz = Wyz, W'yz = -Wxz.
        const double L = 9.0;
        var system = LongRangeSystems.RandomCharges(30, OrthogonalBox.Cube(L), seed: 8);
        var rotated = (double[])system.Positions.Clone();
        for (var i = 0; i < system.Count; i++)
        {
            rotated[3 * i] = system.Positions[(3 * i) + 1];
            rotated[(3 * i) + 1] = L - system.Positions[3 * i];
        }
        var ewald = new EwaldSummation(new EwaldParameters(0.9, 4.0, 9, 9, 9));
        var w = ewald.Compute(system).Virial;
        var r = ewald.Compute(system with { Positions = rotated }).Virial;
        var tolerance = 1e-10 * w.Max(Math.Abs);
        Assert.True(Math.Abs(w[3]) > 1e-3 * w.Max(Math.Abs), "the configuration should have a shear virial");
        Assert.Equal(w[1], r[0], tolerance);
        Assert.Equal(w[0], r[1], tolerance);
        Assert.Equal(-w[3], r[3], tolerance);
        Assert.Equal(w[5], r[4], tolerance);
        Assert.Equal(-w[4], r[5], tolerance);
    }

    [Fact]
    public void Energy_and_forces_are_invariant_under_a_translation_of_all_charges()
    {
        var system = LongRangeSystems.RandomCharges(50, new OrthogonalBox(10, 8, 9), seed: 13);
        var ewald = EwaldSummation.ForAccuracy(system, 1e-6, 3.9);
        var before = ewald.Compute(system);
        var after = ewald.Compute(LongRangeSystems.Translated(system, 0.3127, -1.91, 5.5));
        Assert.Equal(before.Energy, after.Energy, Math.Abs(before.Energy) * 1e-12);
        Assert.True(LongRangeSystems.RmsForceDifference(before.Forces, after.Forces)
            < 1e-11 * LongRangeSystems.RmsForce(before.Forces));
    }

    [Fact]
    public void Reciprocal_energy_rises_monotonically_to_its_limit_as_kmax_grows()
    {
        // Every k term exp(-k^2/4g^2)/k^2 |S(k)|^2 is positive, so truncation error must shrink with each shell;
        // g is large so that the sum needs many shells.
        var system = LongRangeSystems.RandomCharges(20, OrthogonalBox.Cube(8), seed: 21);
        double KSpace(int kmax) => new EwaldSummation(new EwaldParameters(1.2, 3.9, kmax, kmax, kmax))
            .ComputeKSpace(system).Energy;
        var limit = KSpace(26);
        var previous = double.MaxValue;
        foreach (var kmax in new[] { 2, 4, 6, 8, 10, 12, 14, 16 })
        {
            var error = limit - KSpace(kmax);
            output.WriteLine($"kmax {kmax}: error {error:E3}");
            Assert.True(error >= 0 && error < previous, $"kmax {kmax}: error {error:E3} after {previous:E3}");
            previous = error;
        }
        Assert.True(previous < 1e-12 * Math.Abs(limit), $"error {previous:E3} at kmax 16");
    }

    [Fact]
    public void Two_opposite_charges_in_a_large_box_follow_Coulomb_plus_the_periodic_dipole_term()
    {
        // A dipole p = q r in a cubic cell of volume V with conducting boundaries: E = -q^2/r - 2 pi p^2 / (3 V)
        // + O(r^4 / L^5) (de Leeuw, Perram & Smith, Proc. R. Soc. A 373, 27 (1980): the tinfoil sum drops the
        // 2 pi M^2 / (3V) surface term of the spherical vacuum sum, whose image-dipole sum vanishes in a cube).
        const double L = 30.0;
        const double R = 1.0;
        var system = new CoulombSystem([10, 10, 10, 10 + R, 10, 10], [1, -1], OrthogonalBox.Cube(L), 1.0);
        var result = EwaldSummation.ForAccuracy(system, 1e-10, 14.0).Compute(system);
        var dipoleTerm = -2 * Math.PI * R * R / (3 * L * L * L);
        output.WriteLine($"E = {result.Energy:R}; E + 1/r = {result.Energy + (1 / R):E6}; dipole term {dipoleTerm:E6}");
        output.WriteLine($"F = {result.Forces[3]:R}; F + 1/r^2 = {result.Forces[3] + (1 / (R * R)):E6}");
        Assert.Equal(-1 / R, result.Energy, 1e-3 / R);
        Assert.Equal(dipoleTerm, result.Energy + (1 / R), Math.Abs(dipoleTerm) * 0.01);
        // Force on the negative charge: attraction -1/r^2 along x plus the dipole term's 4 pi r / (3 V).
        var expectedForce = (-1 / (R * R)) + (4 * Math.PI * R / (3 * L * L * L));
        Assert.Equal(expectedForce, result.Forces[3], Math.Abs(4 * Math.PI * R / (3 * L * L * L)) * 0.01);
        Assert.Equal(-result.Forces[3], result.Forces[0], 1e-12);
    }

    [Fact]
    public void Per_atom_energies_sum_to_the_total_with_self_and_background_shares()
    {
        var system = LongRangeSystems.RandomCharges(25, new OrthogonalBox(7, 8, 9), seed: 2, extraCharge: -0.7);
        var result = EwaldSummation.ForAccuracy(system, 1e-6, 3.4).Compute(system);
        Assert.Equal(result.Energy, result.PerAtomEnergy.Sum(), Math.Abs(result.Energy) * 1e-12);
    }

    [Fact]
    public void Chosen_parameters_follow_the_LAMMPS_rules_and_the_error_follows_the_estimate()
    {
        // LAMMPS ewald.cpp: g = sqrt(-ln(acc sqrt(N rc V) / (2 q2))) / rc, then the smallest kmax per axis with
        // 2 q2 g / L sqrt(1/(pi kmax N)) exp(-pi^2 kmax^2 / (g L)^2) <= acc; acc = 1e-4 * qqr2e (real units).
        var system = LongRangeSystems.Random200;
        const double Cutoff = 5.0;
        var parameters = EwaldParameters.ForAccuracy(system, 1e-4, Cutoff);
        var accuracy = 1e-4 * LongRangeSystems.Qqr2eReal;
        var q2 = 200 * LongRangeSystems.Qqr2eReal;
        var g = Math.Sqrt(-Math.Log(accuracy * Math.Sqrt(200 * Cutoff * 1728.0) / (2 * q2))) / Cutoff;
        Assert.Equal(g, parameters.GEwald, 1e-12);
        double Rms(int k) => 2 * q2 * g / 12 * Math.Sqrt(1 / (Math.PI * k * 200)) * Math.Exp(-Math.PI * Math.PI * k * k / (g * g * 144));
        Assert.True(Rms(parameters.KxMax) <= accuracy && Rms(parameters.KxMax - 1) > accuracy);
        Assert.Equal(parameters.KxMax, parameters.KzMax);

        var reference = LongRangeSystems.Random200Reference.Forces;
        var error = LongRangeSystems.RmsForceDifference(new EwaldSummation(parameters).Compute(system).Forces, reference);
        output.WriteLine($"{parameters}: RMS force error {error:E3}");
        Assert.InRange(error / parameters.EstimatedForceError, 0.5, 2.0);
    }
}
