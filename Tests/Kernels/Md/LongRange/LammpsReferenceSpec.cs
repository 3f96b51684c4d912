using Dataflow.Kernels.Md.LongRange;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.LongRange;

/// <summary>Parameters, k-space energies, forces and virials against LAMMPS on the same 200 charges.</summary>
/// <remarks>
/// Reference: LAMMPS 29 Sep 2021 update 2 (Debian package 20220106), serial, on
/// <see cref="LongRangeSystems.Random200"/> written out as a data file with every coordinate in round-trip
/// precision (atom_style charge, one atom type, box 0..12), run with
/// <code>
/// units real
/// atom_style charge
/// read_data random200.data
/// pair_style coul/long 5.0
/// pair_coeff * *
/// pair_modify table 0              # estimated accuracies below are with table 0
/// neigh_modify exclude type 1 1    # no pairs: thermo and dump then hold the k-space part alone
/// kspace_style ewald 1.0e-5        # or pppm 1.0e-5, pppm 1.0e-4
/// thermo_style custom step pe elong pxx pyy pzz pxy pxz pyz
/// dump 1 all custom 1 f.dump id fx fy fz
/// run 0
/// </code>
/// With all atoms at rest the pressure is the virial alone: W = P V / nktv2p, nktv2p = 68568.415 (real).
/// </remarks>
public sealed class LammpsReferenceSpec
{
    private const double Cutoff = 5.0;
    private const double Nktv2p = 68568.415;
    private const double Volume = 1728.0;

    [Fact]
    public void Ewald_parameters_energy_forces_and_virial_match_LAMMPS()
    {
        var system = LongRangeSystems.Random200;
        var ewald = EwaldSummation.ForAccuracy(system, 1e-5, Cutoff);
        // LAMMPS log: "G vector (1/distance) = 0.64259326", "KSpace vectors: actual max1d max3d = 1054 8 2456",
        // "estimated absolute RMS force accuracy = 0.0041224577".
        Assert.Equal(0.64259326, ewald.Parameters.GEwald, 5e-9);
        Assert.Equal((8, 8, 8), (ewald.Parameters.KxMax, ewald.Parameters.KyMax, ewald.Parameters.KzMax));
        Assert.Equal(0.0041224577, ewald.Parameters.EstimatedForceError, 5e-11);

        var result = ewald.ComputeKSpace(system);
        Assert.Equal(-9995.4879000952, result.Energy, 1e-9);
        AssertVirial(result.Virial, 1e-12,
            -26048.870435497, -253437.473865589, -69225.7877136673, -12993.5792618771, -19155.7209815824, 129355.417591142);
        AssertForce(result, 0, 1e-12, -9.85168872168781, -99.1302736308254, -54.9913956676231);
        AssertForce(result, 1, 1e-12, 32.2995764351822, 48.8953744352746, -146.305418864688);
        AssertForce(result, 199, 1e-12, -9.95803117886966, 153.68695819208, -59.5464615755519);
    }

    [Fact]
    public void Pppm_grid_and_g_ewald_match_LAMMPS_and_its_mesh_solution_agrees_to_1e_8()
    {
        var system = LongRangeSystems.Random200;
        // LAMMPS pppm 1e-4: "G vector = 0.58778565", "grid = 18 18 18"; pppm 1e-5: "G vector = 0.66100902",
        // "grid = 30 30 30", "estimated absolute RMS force accuracy = 0.0025768145" (table 0).
        var coarse = PppmParameters.ForAccuracy(system, 1e-4, Cutoff);
        Assert.Equal((18, 18, 18), (coarse.Nx, coarse.Ny, coarse.Nz));
        Assert.Equal(0.58778565, coarse.GEwald, 0.58778565 * 1e-6);
        var fine = PppmParameters.ForAccuracy(system, 1e-5, Cutoff);
        Assert.Equal((30, 30, 30), (fine.Nx, fine.Ny, fine.Nz));
        // LAMMPS stops its Newton iteration at |f| < 1e-5 kcal/mol/Å; this solves it to the end: 4e-7 apart.
        Assert.Equal(0.66100902, fine.GEwald, 0.66100902 * 1e-6);
        Assert.Equal(0.0025768145, fine.EstimatedForceError, 0.0025768145 * 1e-5);

        // With LAMMPS's g the mesh solutions coincide to ~1e-9: LAMMPS's compute_gf_ik writes 4 pi as
        // 12.5663706 (1.4e-9 low), and its alias sums differ from ours far below that.
        var result = new Pppm(fine with { GEwald = 0.66100902 }).ComputeKSpace(system);
        Assert.Equal(-10028.7391142974, result.Energy, 10028.74 * 1e-8);
        AssertVirial(result.Virial, 1e-8,
            -23797.4741880424, -257625.64453935, -70650.4471010925, -13099.0897941374, -18889.9469814025, 131536.670779373);
        AssertForce(result, 0, 1e-8, -11.7648126367499, -101.950837922545, -54.6981986106854);
        AssertForce(result, 1, 1e-8, 28.3245924253551, 53.737569291702, -151.277930481405);
        AssertForce(result, 199, 1e-8, -8.8724007317871, 155.172396452382, -60.8593029925939);
    }

    [Fact]
    public void With_a_net_charge_the_energy_matches_LAMMPS_and_the_virial_adds_the_background_term_LAMMPS_omits()
    {
        // Same run with atom 1's charge 1.5 (net charge 0.5; LAMMPS warns "System is not charge neutral"):
        // "G vector = 0.64278715", elong -9766.82921732071, pxx pyy pzz pxy pxz pyz = -20620.8147292778
        // -255303.702284718 -67002.4077529233 -15713.1025410885 -22523.1311999997 132934.242772985.
        // LAMMPS 2021 adds E_background = -pi Q^2 / (2 g^2 V) to the energy but not to the virial; its strain
        // derivative is E_background on each diagonal element (EwaldSummationSpec checks that numerically).
        var charges = (double[])LongRangeSystems.Random200.Charges.Clone();
        charges[0] = 1.5;
        var system = LongRangeSystems.Random200 with { Charges = charges };
        var ewald = EwaldSummation.ForAccuracy(system, 1e-5, Cutoff);
        Assert.Equal(0.64278715, ewald.Parameters.GEwald, 5e-9);
        var result = ewald.ComputeKSpace(system);
        Assert.Equal(-9766.82921732071, result.Energy, 1e-9);
        var g = ewald.Parameters.GEwald;
        var background = -Math.PI * 0.25 * LongRangeSystems.Qqr2eReal / (2 * g * g * Volume);
        var lammps = new[]
        {
            -20620.8147292778, -255303.702284718, -67002.4077529233, -15713.1025410885, -22523.1311999997, 132934.242772985,
        };
        for (var a = 0; a < 6; a++)
        {
            var expected = (lammps[a] * Volume / Nktv2p) + (a < 3 ? background : 0.0);
            Assert.Equal(expected, result.Virial[a], Math.Abs(expected) * 1e-11);
        }
    }

    private static void AssertVirial(double[] virial, double relative, params double[] lammpsPressure)
    {
        for (var a = 0; a < 6; a++)
        {
            var expected = lammpsPressure[a] * Volume / Nktv2p;
            Assert.True(Math.Abs(virial[a] - expected) <= relative * Math.Abs(expected),
                $"W[{a}] = {virial[a]:R}, LAMMPS {expected:R}");
        }
    }

    private static void AssertForce(CoulombResult result, int atom, double relative, double fx, double fy, double fz)
    {
        var expected = new[] { fx, fy, fz };
        var scale = expected.Max(Math.Abs);
        for (var axis = 0; axis < 3; axis++)
        {
            var actual = result.Forces[(3 * atom) + axis];
            Assert.True(Math.Abs(actual - expected[axis]) <= relative * scale,
                $"atom {atom + 1} axis {axis}: {actual:R}, LAMMPS {expected[axis]:R}");
        }
    }
}
