using System.Diagnostics;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Coulomb;
using Dataflow.Kernels.Md.LongRange;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md.Coulomb;

/// <summary>Total-energy conservation of the molten salt (nacl-melt.data: 512 ions, about 1240 K, metal units) in NVE
/// with lj/cut/coul/long 8.0 and PPPM 1e-5 at 2 fs, against LAMMPS' own on the identical run.</summary>
/// <remarks>
/// <para>Reference: Kernels/Md/Reference/in.nacl-pppm-long, the same data file, pair style and coefficients,
/// <c>kspace_style pppm 1.0e-5</c> (g_ewald 0.38914044, 30^3 mesh, order 5, which the runs here take explicitly),
/// neighbour settings and timestep, 10,000 steps with thermo every 100, run by LAMMPS 29 Sep 2021 update 2 into
/// log.nacl-pppm-long (34 s on one core). From that log, etotal (a total, eV) against time: slope -8.9e-4 eV/ps, that
/// is -1.74e-3 eV per atom per ns = -0.016 kT per atom per ns (kT = 0.107 eV at its mean 1247 K); largest
/// |etotal - etotal(0)| 0.057 eV; scatter about the line 0.013 eV.</para>
/// <para>What limits conservation here is not the integrator: LJ energies are not shifted (as in the reference), so
/// etotal jumps whenever an ion pair crosses the 8 A cutoff (up to 4.8e-4 eV for Cl-Cl, plus 1.8e-5 eV from the erfc
/// term), and PPPM's ik forces are not the exact gradient of its energy. Both make etotal a random walk that does not
/// shrink with the timestep (our scatter at 1 fs is 0.0101 eV, at 2 fs 0.0105 eV, over 2 ps); the slope of a 20 ps run
/// is mostly that noise. Our trajectory and LAMMPS' part within a few hundred steps, so the two runs are two draws of
/// the same process and are compared with factors, not to rounding.</para>
/// <para>Bounds, for the 10,000-step run: (1) etotal(0) within 1e-4 eV of LAMMPS' (the same state and the same
/// energy expression; the two agree to 6e-8 eV); (2) largest |etotal - etotal(0)| at most twice LAMMPS' over its
/// run (0.11 eV, 2e-4 eV or 2e-3 kT per atom); (3) |slope| at most 3 times LAMMPS' |slope| and at most
/// 0.05 kT per atom per ns. A drift of 0.05 kT per atom per ns would move the temperature of this liquid (heat
/// capacity about 3 kB per atom) by under 2 % per ns: a nanosecond NVE run stays at its temperature.</para>
/// <para>What they catch (measured, 1000 steps): k-space energy without the k-space force gives a slope of 100 kT
/// per atom per ns and an excursion of 37 eV; PPPM with g_ewald 0.35 or 0.42 while the pair style uses 0.389 starts
/// 136 or 95 eV away from LAMMPS' etotal (the two halves of the Coulomb sum no longer add up to it) and drifts at up
/// to 0.28 kT per atom per ns; positions advanced before the half kick (a first-order integrator) blew up within
/// 400 steps. Second order of the integrator itself is checked with the cutoff jumps removed (LJ energies shifted):
/// the excursion then shrinks fourfold when the timestep is halved, as velocity Verlet's dt^2 error should. The
/// controls spec below runs three of these breakages against the bounds.</para>
/// <para>The 10,000-step run takes 36 to 57 s on two cores (more when the machine is shared), so it is a heavy test;
/// the 1000-step one (4 to 7 s) runs in the normal suite with the same bounds except the slope, which over 2 ps is
/// resolved only to about 0.03 kT per atom per ns and is held to 0.5.</para>
/// </remarks>
public sealed class CoulombEnergyConservationSpec(ITestOutputHelper output)
{
    private const double GEwaldLammps = 0.38914044;
    private const double StartEnergyToleranceEv = 1e-4;
    private const double ExcursionFactor = 2.0;
    private const double DriftFactor = 3.0;
    private const double DriftBoundKtPerAtomPerNs = 0.05;
    private const double ShortRunDriftBoundKtPerAtomPerNs = 0.5;
    private const double PicosecondsPerNanosecond = 1000.0;

    [HeavyFact]
    [Trait("Category", "Heavy")]
    public void Ten_thousand_steps_of_NVE_drift_no_more_than_LAMMPS_on_the_same_run()
    {
        var lammps = Lammps();
        var samples = Run(SaltSystems.Simulation(SaltSystems.MeltState(), Pppm()), 10000, 100);
        var drift = EnergyDrift.Of(samples, 512, SaltSystems.TimestepPs);
        output.WriteLine($"LAMMPS: {lammps.Drift.Describe(UnitSystem.Metal)}");
        var violations = Violations(samples, lammps, DriftBoundKtPerAtomPerNs);
        var relativeBound = DriftFactor * Math.Abs(lammps.Drift.SlopePerAtom);
        if (Math.Abs(drift.SlopePerAtom) > relativeBound)
        {
            violations.Add($"|slope| {Math.Abs(drift.SlopePerAtom):E2} eV/atom/ps is above {DriftFactor} x LAMMPS' {relativeBound:E2}");
        }
        Assert.True(violations.Count == 0, string.Join("; ", violations));
    }

    [Fact]
    public void A_thousand_steps_of_NVE_keep_the_energy_within_the_bounds_of_the_LAMMPS_run()
    {
        var lammps = Lammps();
        var samples = Run(SaltSystems.Simulation(SaltSystems.MeltState(), Pppm()), 1000, 10);
        var violations = Violations(samples, lammps, ShortRunDriftBoundKtPerAtomPerNs);
        Assert.True(violations.Count == 0, string.Join("; ", violations));
    }

    [Fact]
    public void Halving_the_timestep_shrinks_the_energy_error_fourfold_once_the_cutoff_jumps_are_gone()
    {
        // pair_modify shift yes removes the LJ jumps at the cutoff, the dominant noise of the reference set-up, and
        // leaves velocity Verlet's O(dt^2) error on top of the small erfc jumps and PPPM's non-gradient error. Same
        // 1 ps at 2 and 1 fs, sampled every 10 fs: measured excursions 0.024 and 0.0061 eV (ratio 4.0), scatter 0.0057
        // and 0.0018 eV (ratio 3.2, the PPPM and erfc floor showing). A first-order integrator would give 2.
        var coarse = ShiftedRun(0.002, 500, 5);
        var fine = ShiftedRun(0.001, 1000, 10);
        output.WriteLine($"2 fs: {coarse.Describe(UnitSystem.Metal)}");
        output.WriteLine($"1 fs: {fine.Describe(UnitSystem.Metal)}");
        Assert.True(coarse.MaxExcursion < 0.04, $"2 fs: excursion {coarse.MaxExcursion:E2} eV");
        Assert.InRange(coarse.MaxExcursion / fine.MaxExcursion, 3.0, 5.5);
        Assert.InRange(coarse.ResidualDeviation / fine.ResidualDeviation, 2.5, 5.5);

        EnergyDrift ShiftedRun(double timestep, int steps, int thermoEvery)
        {
            var state = new MdState(MdTestSystems.Reference("nacl-melt.data"), UnitSystem.Metal, timestep);
            var kspace = Pppm();
            var pair = LennardJonesCutCoulombLong.ForKSpace(
                kspace, 2, SaltSystems.CutoffAngstrom, SaltSystems.Coefficients, LennardJonesMixing.Arithmetic, shift: true,
                options: new PairComputeOptions { Threads = 2 });
            var simulation = new MdSimulation(state, [pair, kspace], new VelocityVerlet(), SaltSystems.Neighbors, 2);
            return EnergyDrift.Of(Run(simulation, steps, thermoEvery), state.AtomCount, timestep);
        }
    }

    [Fact]
    public void A_missing_kspace_force_a_mismatched_g_ewald_or_a_missing_half_kick_break_the_bounds()
    {
        // The checks of the specs above on 200 steps of three broken set-ups: each must be flagged.
        var lammps = Lammps();
        var kspace = Pppm();
        var cases = new (string Name, MdSimulation Simulation)[]
        {
            ("k-space energy without its force", new MdSimulation(
                SaltSystems.MeltState(), [SaltSystems.Pair(kspace), new EnergyWithoutForce(kspace)], new VelocityVerlet(),
                SaltSystems.Neighbors, 2)),
            ("PPPM at g_ewald 0.35, pair style at 0.389", new MdSimulation(
                SaltSystems.MeltState(),
                [SaltSystems.Pair(kspace), new KSpaceForceProvider(new PppmParameters(0.35, SaltSystems.CutoffAngstrom, 30, 30, 30, 5))],
                new VelocityVerlet(), SaltSystems.Neighbors, 2)),
            ("no final half kick", new MdSimulation(
                SaltSystems.MeltState(), [SaltSystems.Pair(kspace), kspace], new WithoutFinalKick(), SaltSystems.Neighbors, 2)),
        };
        foreach (var (name, simulation) in cases)
        {
            var violations = Violations(Run(simulation, 200, 10), lammps, ShortRunDriftBoundKtPerAtomPerNs);
            output.WriteLine($"{name}: {string.Join("; ", violations)}");
            Assert.True(violations.Count > 0, $"{name} passed the checks");
        }
    }

    private static KSpaceForceProvider Pppm() =>
        new(new PppmParameters(GEwaldLammps, SaltSystems.CutoffAngstrom, 30, 30, 30, PppmParameters.DefaultOrder));

    private static (IReadOnlyList<ThermoSample> Samples, EnergyDrift Drift) Lammps()
    {
        var samples = MdTestSystems.ReferenceThermo("log.nacl-pppm-long", normalized: false);
        Assert.Equal(101, samples.Count);
        return (samples, EnergyDrift.Of(samples, 512, SaltSystems.TimestepPs));
    }

    private List<ThermoSample> Run(MdSimulation simulation, int steps, int thermoEvery)
    {
        var samples = new List<ThermoSample>();
        var clock = Stopwatch.StartNew();
        simulation.Run(steps, thermoEvery, samples.Add);
        output.WriteLine($"{steps} steps of {simulation.State.Timestep * 1000:G3} fs in {clock.Elapsed.TotalSeconds:F1} s");
        return samples;
    }

    // Bounds (1) and (2) of the remarks, and the slope bound in kT per atom per ns.
    private List<string> Violations(
        IReadOnlyList<ThermoSample> samples, (IReadOnlyList<ThermoSample> Samples, EnergyDrift Drift) lammps, double driftBoundKt)
    {
        var drift = EnergyDrift.Of(samples, 512, SaltSystems.TimestepPs);
        output.WriteLine($"ours: {drift.Describe(UnitSystem.Metal)}");
        var violations = new List<string>();
        var start = samples[0].TotalEnergy - lammps.Samples[0].TotalEnergy;
        if (!(Math.Abs(start) <= StartEnergyToleranceEv))
        {
            violations.Add($"etotal(0) is {start:E2} eV from LAMMPS'");
        }
        var excursionBound = ExcursionFactor * lammps.Drift.MaxExcursion;
        if (!(drift.MaxExcursion <= excursionBound))
        {
            violations.Add($"etotal moved {drift.MaxExcursion:E2} eV, more than {ExcursionFactor} x LAMMPS' {lammps.Drift.MaxExcursion:E2}");
        }
        var slopeKt = drift.SlopeInThermalEnergy(UnitSystem.Metal, PicosecondsPerNanosecond);
        if (!(Math.Abs(slopeKt) <= driftBoundKt))
        {
            violations.Add($"drift {slopeKt:E2} kT/atom/ns, bound {driftBoundKt}");
        }
        return violations;
    }

    /// <summary>A provider's energy and virial without its forces: a missing force that the energy still counts.</summary>
    private sealed class EnergyWithoutForce(IForceProvider inner) : IForceProvider
    {
        public string Name => inner.Name;

        public NeighborRequest? Neighbors => inner.Neighbors;

        public void Compute(MdState state, NeighborList? list, ForceResult result)
        {
            var own = new ForceResult(state.AtomCount, result.Requested);
            inner.Compute(state, list, own);
            result.Energy += own.Energy;
            for (var a = 0; a < 6; a++)
            {
                result.Virial[a] += own.Virial[a];
            }
        }
    }

    /// <summary>Velocity Verlet that forgets the second half kick.</summary>
    private sealed class WithoutFinalKick : IIntegrator
    {
        private readonly VelocityVerlet _verlet = new();

        public string Name => "nve without final_integrate";

        public void Setup(MdState state, ReadOnlySpan<double> forces, long firstStep, long lastStep) =>
            _verlet.Setup(state, forces, firstStep, lastStep);

        public void InitialIntegrate(MdState state, ReadOnlySpan<double> forces) => _verlet.InitialIntegrate(state, forces);

        public void FinalIntegrate(MdState state, ReadOnlySpan<double> forces)
        {
        }
    }
}
