using System.Numerics;
using Dataflow.Kernels.Md.LongRange;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md.LongRange;

public sealed class PppmSpec(ITestOutputHelper output)
{
    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Rock_salt_gives_the_Madelung_constant_to_1e_5(int order)
    {
        // M = 1.747564594633 (Borwein et al., Lattice Sums Then and Now, 2013); 64 ions, nearest-neighbour distance 1, real-space cutoff 1.9.
        var crystal = LongRangeSystems.RockSalt(2);
        var pppm = Pppm.ForAccuracy(crystal, 1e-5, 1.9, order);
        var madelung = -pppm.Compute(crystal).Energy / (crystal.Count / 2);
        output.WriteLine($"{pppm.Parameters}: M = {madelung:R}");
        Assert.True(Math.Abs(madelung - LongRangeSystems.NaClMadelung) < 1e-5 * LongRangeSystems.NaClMadelung,
            $"M = {madelung:R}");
    }

    [Theory]
    [InlineData(1e-4, 5)]
    [InlineData(1e-4, 7)]
    [InlineData(1e-5, 5)]
    [InlineData(1e-5, 7)]
    public void Forces_meet_the_requested_accuracy_as_LAMMPS_defines_it(double accuracy, int order)
    {
        // LAMMPS kspace accuracy: RMS over atoms of |F - F_exact| <= accuracy * two_charge_force, with
        // two_charge_force = qqr2e (1 e)^2 / (1 Å)^2 = 332.06371 kcal/mol/Å in real units. F includes the
        // real-space pairs at the same cutoff. Exact: a 1e-12 Ewald sum of the same charges.
        var system = LongRangeSystems.Random200;
        var reference = LongRangeSystems.Random200Reference;
        var pppm = Pppm.ForAccuracy(system, accuracy, 5.0, order);
        var forces = pppm.Compute(system).Forces;
        var error = LongRangeSystems.RmsForceDifference(forces, reference.Forces);
        var target = accuracy * LongRangeSystems.Qqr2eReal;
        var rms = LongRangeSystems.RmsForce(reference.Forces);
        output.WriteLine($"{pppm.Parameters}: RMS error {error:E3} = {error / target:F2} x target; " +
            $"RMS error / RMS force = {error / rms:E2}");
        Assert.True(error < target, $"RMS force error {error:E3} above {target:E3}");
        // This system's RMS force exceeds the two-charge force, so the relative RMS error is smaller still.
        Assert.True(error / rms < accuracy);
        // The Deserno-Holm and Kolafa-Perram estimates that chose the mesh describe the actual error.
        Assert.InRange(error / pppm.Parameters.EstimatedForceError, 0.5, 2.0);
    }

    [Fact]
    public void Energy_and_virial_agree_with_Ewald_within_the_accuracy()
    {
        var system = LongRangeSystems.Random200;
        var reference = LongRangeSystems.Random200Reference;
        var result = Pppm.ForAccuracy(system, 1e-5, 5.0).Compute(system);
        output.WriteLine($"E {result.Energy:R} vs {reference.Energy:R}");
        Assert.Equal(reference.Energy, result.Energy, Math.Abs(reference.Energy) * 1e-5);
        var scale = reference.Virial.Max(Math.Abs);
        for (var a = 0; a < 6; a++)
        {
            output.WriteLine($"W[{a}] {result.Virial[a]:R} vs {reference.Virial[a]:R}");
            Assert.Equal(reference.Virial[a], result.Virial[a], scale * 1e-5);
        }
        Assert.Equal(result.Energy, result.PerAtomEnergy.Sum(), Math.Abs(result.Energy) * 1e-12);
    }

    [Fact]
    public void Mesh_forces_converge_to_Ewald_as_the_mesh_is_refined()
    {
        // Same g and cutoff, so only the k-space parts differ: for ik-differentiated P3M the error falls as h^P.
        var system = LongRangeSystems.RandomCharges(100, OrthogonalBox.Cube(10), seed: 17);
        const double G = 0.7;
        var exact = new EwaldSummation(new EwaldParameters(G, 4.9, 16, 16, 16)).ComputeKSpace(system);
        var errors = new List<double>();
        foreach (var mesh in new[] { 10, 16, 24, 32, 48 })
        {
            var kspace = new Pppm(new PppmParameters(G, 4.9, mesh, mesh, mesh, 5)).ComputeKSpace(system);
            var error = LongRangeSystems.RmsForceDifference(kspace.Forces, exact.Forces);
            output.WriteLine($"mesh {mesh}: RMS force error {error:E3}, energy error {kspace.Energy - exact.Energy:E3}");
            Assert.True(errors.Count == 0 || error < errors[^1] / 2, $"mesh {mesh}: {error:E3}");
            errors.Add(error);
        }
        // From 16 to 32 points h halves: h^5 asymptotics would give 32x; ask for at least 16x.
        Assert.True(errors[1] / errors[3] > 16, $"16 -> 32 gained only {errors[1] / errors[3]:F1}x");
    }

    [Fact]
    public void Translation_by_a_mesh_vector_changes_nothing_and_any_translation_stays_within_the_accuracy()
    {
        var system = LongRangeSystems.Random200;
        var pppm = Pppm.ForAccuracy(system, 1e-5, 5.0);
        var p = pppm.Parameters;
        var before = pppm.ComputeKSpace(system);
        // Shifting by whole mesh spacings permutes the mesh: identical up to round-off.
        var onMesh = pppm.ComputeKSpace(LongRangeSystems.Translated(system, 3 * 12.0 / p.Nx, -12.0 / p.Ny, 5 * 12.0 / p.Nz));
        Assert.Equal(before.Energy, onMesh.Energy, Math.Abs(before.Energy) * 1e-12);
        Assert.True(LongRangeSystems.RmsForceDifference(before.Forces, onMesh.Forces) < 1e-10);
        // A general shift moves charges relative to the mesh: the change is part of the discretisation error.
        var off = pppm.ComputeKSpace(LongRangeSystems.Translated(system, 0.37 * 12.0 / p.Nx, 0.11, -0.29));
        var target = 1e-5 * LongRangeSystems.Qqr2eReal;
        Assert.True(Math.Abs(off.Energy - before.Energy) < 1e-5 * Math.Abs(before.Energy));
        Assert.True(LongRangeSystems.RmsForceDifference(before.Forces, off.Forces) < target);
        Assert.True(LongRangeSystems.RmsForceDifference(before.Forces, off.Forces) > 0);
    }

    [Fact]
    public void Two_opposite_charges_in_a_large_box_approach_the_bare_Coulomb_law()
    {
        // E -> -q^2/r - 2 pi p^2 / (3V) as for Ewald (see EwaldSummationSpec); here within 1e-3 of -1/r.
        const double L = 30.0;
        const double R = 1.0;
        var system = new CoulombSystem([10, 10, 10, 10 + R, 10, 10], [1, -1], OrthogonalBox.Cube(L), 1.0);
        var result = Pppm.ForAccuracy(system, 1e-6, 10.0).Compute(system);
        var ewald = EwaldSummation.ForAccuracy(system, 1e-10, 14.0).Compute(system);
        Assert.Equal(-1 / R, result.Energy, 1e-3 / R);
        Assert.Equal(-1 / (R * R), result.Forces[3], 1e-3 / (R * R));
        Assert.Equal(-result.Forces[3], result.Forces[0], 1e-12);
        // The requested accuracy is an RMS over a homogeneous system (Deserno & Holm's estimate averages over
        // random pairs). One pair closer than a mesh spacing errs systematically: its RMS force error over random
        // placements and orientations was 7.5e-6 here (mesh 24^3, g 0.299), so Ewald agreement is asked to 2e-5.
        Assert.Equal(ewald.Energy, result.Energy, 2e-5);
        Assert.Equal(ewald.Forces[3], result.Forces[3], 2e-5);
    }

    [Fact]
    public void Parameters_are_2_3_5_smooth_meshes_with_balanced_error_estimates()
    {
        var system = LongRangeSystems.RandomCharges(200, new OrthogonalBox(12, 15, 11), seed: 4);
        var p = PppmParameters.ForAccuracy(system, 1e-5, 5.0, 6);
        Assert.True(ComplexFft.Is235Smooth(p.Nx) && ComplexFft.Is235Smooth(p.Ny) && ComplexFft.Is235Smooth(p.Nz));
        Assert.True(p.Ny > p.Nx && p.Nx >= p.Nz, p.ToString());
        // LAMMPS adjust_gewald: g solves real-space error = k-space error.
        var q2 = system.SumOfSquaredCharges;
        var real = KSpaceAccuracy.RealSpaceForceError(system, p.GEwald, 5.0);
        var kx = PppmParameters.IkForceError(12.0 / p.Nx, 12.0, 200, q2, p.GEwald, 6);
        var ky = PppmParameters.IkForceError(15.0 / p.Ny, 15.0, 200, q2, p.GEwald, 6);
        var kz = PppmParameters.IkForceError(11.0 / p.Nz, 11.0, 200, q2, p.GEwald, 6);
        var kspace = Math.Sqrt(((kx * kx) + (ky * ky) + (kz * kz)) / 3);
        Assert.Equal(real, kspace, real * 1e-9);
        Assert.Equal(Math.Sqrt(2) * real, p.EstimatedForceError, real * 1e-9);
    }

    [Fact]
    public void Results_are_bitwise_reproducible_and_any_IComplexFft3D_can_be_plugged_in()
    {
        var system = LongRangeSystems.Random200;
        var parameters = PppmParameters.ForAccuracy(system, 1e-4, 5.0);
        var first = new Pppm(parameters).ComputeKSpace(system);
        CountingFft? counting = null;
        var pppm = new Pppm(parameters, (x, y, z) => counting = new CountingFft(new ComplexFft3D(x, y, z, 1)));
        var second = pppm.ComputeKSpace(system);
        var third = pppm.ComputeKSpace(system);
        Assert.NotNull(counting);
        Assert.Equal((2, 4), (counting.Forwards, counting.Inverses));
        foreach (var other in new[] { second, third })
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(first.Energy), BitConverter.DoubleToInt64Bits(other.Energy));
            Assert.Equal(first.Forces, other.Forces);
            Assert.Equal(first.Virial, other.Virial);
        }
    }

    [Fact]
    public void Bad_input_is_refused_with_a_reason()
    {
        // An accuracy that would need more than 4096 points per axis (order 2, short cutoff), as LAMMPS's
        // "PPPM grid is too large"; and charges that do not match the positions.
        var system = LongRangeSystems.RandomCharges(20, OrthogonalBox.Cube(50), seed: 1);
        var tooFine = Assert.Throws<ArgumentException>(() => PppmParameters.ForAccuracy(system, 1e-13, 2.0, 2));
        Assert.Contains("too large", tooFine.Message);
        var mismatched = system with { Charges = [1.0, -1.0] };
        Assert.Throws<ArgumentException>(() => Pppm.ForAccuracy(mismatched, 1e-4, 5.0));
        Assert.Throws<ArgumentException>(() => EwaldSummation.ForAccuracy(system with { Charges = new double[20] }, 1e-4, 5.0));
    }

    private sealed class CountingFft(IComplexFft3D inner) : IComplexFft3D
    {
        public int Forwards { get; private set; }

        public int Inverses { get; private set; }

        public int Nx => inner.Nx;

        public int Ny => inner.Ny;

        public int Nz => inner.Nz;

        public void Forward(Complex[] data)
        {
            Forwards++;
            inner.Forward(data);
        }

        public void Inverse(Complex[] data)
        {
            Inverses++;
            inner.Inverse(data);
        }
    }
}
