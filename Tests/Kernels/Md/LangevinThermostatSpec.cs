using Dataflow.Kernels.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Md;

public sealed class LangevinThermostatSpec(ITestOutputHelper output)
{
    private static readonly NeighborSettings s_exactLists = new() { SkinDistance = 0.3, Every = 1, Delay = 0, Check = true };

    [Fact]
    public void Drag_and_noise_have_the_fluctuation_dissipation_amplitudes_in_metal_units()
    {
        // Two types of different mass, metal units, so that every unit factor (kB, mvv2e, ftm2v) and the sqrt(m) of
        // LAMMPS' gfactor2 matter. One kick of dt from the Langevin force alone:
        // drag: with T = 0 the velocity change is exactly -dt/damp v (F_f = -m v / damp, dv = dt F ftm2v / m);
        // noise: with v = 0, fluctuation-dissipation (v' = (1 - dt/damp) v + dv with stationary <v^2> = kB T / (m
        // mvv2e), equipartition) needs var(dv) = 2 dt/damp kB T / (m mvv2e) per component.
        const int n = 20000;
        const double dt = 0.002, damp = 0.1, temperature = 1300.0;
        var units = UnitSystem.Metal;
        double[] masses = [22.98977, 35.453];
        var ids = Enumerable.Range(1, n).Select(i => 7 * i + 3).ToArray();
        var types = Enumerable.Range(0, n).Select(i => 1 + i % 2).ToArray();
        var random = new Random(5);
        var v = Enumerable.Range(0, 3 * n).Select(_ => random.NextDouble() - 0.5).ToArray();

        var drag = new double[3 * n];
        LangevinThermostat.AddForces(new LangevinStep(11, 40, 0.0, damp, dt, units), masses, ids, types, v, drag);
        for (var k = 0; k < 3 * n; k++)
        {
            var dv = dt * drag[k] * units.Ftm2v / masses[types[k / 3] - 1];
            Assert.True(Math.Abs(dv + dt / damp * v[k]) <= 1e-15 * Math.Abs(v[k]), $"component {k}: dv {dv:R}, v {v[k]:R}");
        }

        var noise = new double[3 * n];
        LangevinThermostat.AddForces(new LangevinStep(11, 40, temperature, damp, dt, units), masses, ids, types, new double[3 * n], noise);
        // Each component is LAMMPS' gfactor2 sqrt(T) (u - 1/2), u the counter-based draw of (seed, step, id, component).
        for (var i = 0; i < 100; i++)
        {
            var mass = masses[types[i] - 1];
            var gamma2 = Math.Sqrt(mass) * Math.Sqrt(24.0 * units.Boltzmann / damp / dt / units.Mvv2e) / units.Ftm2v * Math.Sqrt(temperature);
            for (var c = 0; c < 3; c++)
            {
                MdTestSystems.Close(gamma2 * (LangevinThermostat.Uniform(11, 40, ids[i], c) - 0.5), noise[3 * i + c], 1e-14, $"atom {ids[i]}");
            }
        }
        for (var type = 1; type <= 2; type++)
        {
            var mass = masses[type - 1];
            var dv = Enumerable.Range(0, 3 * n).Where(k => types[k / 3] == type).Select(k => dt * noise[k] * units.Ftm2v / mass).ToArray();
            var expected = 2 * dt / damp * units.Boltzmann * temperature / (mass * units.Mvv2e);
            var mean = dv.Average();
            var variance = dv.Select(x => x * x).Average();
            output.WriteLine($"type {type}: var(dv) / expected = {variance / expected:F4}, mean / sd = {mean / Math.Sqrt(expected):E2}");
            // 30,000 samples of a uniform deviate: sigma 0.5 % for the sample variance, 0.006 sd for the mean.
            Assert.InRange(variance / expected, 0.985, 1.015);
            Assert.InRange(mean / Math.Sqrt(expected), -0.02, 0.02);
        }

        // Independent streams: components, neighbouring ids and consecutive steps are uncorrelated.
        var next = new double[3 * n];
        LangevinThermostat.AddForces(new LangevinStep(11, 41, temperature, damp, dt, units), masses, ids, types, new double[3 * n], next);
        Assert.InRange(Correlation(k => noise[3 * k], k => noise[3 * k + 1], n), -0.03, 0.03);
        Assert.InRange(Correlation(k => noise[3 * k], k => noise[3 * k + 6], n - 2), -0.03, 0.03);
        Assert.InRange(Correlation(k => noise[k], k => next[k], 3 * n), -0.03, 0.03);
    }

    [Fact]
    public void Free_particles_reach_equipartition_per_type_at_the_target()
    {
        // An ideal gas of two masses in metal units under Langevin plus velocity Verlet, from rest. Without
        // interactions the scheme's full-step velocities have exactly <m v^2> mvv2e = kB T per component in the
        // stationary state, at any timestep (v_{n+1/2} = (1 - dt/damp) v_{n-1/2} + dv_n gives var kB T / (m mvv2e)
        // / (1 - dt/2damp) at half steps, and the half kick to v_n takes it back to kB T / (m mvv2e)). The approach from
        // rest follows 1 - (1 - dt/damp)^(2n). Each type's temperature is checked on its own, so a wrong mass
        // scaling of either force term shows.
        const int n = 2000;
        const double dt = 0.002, damp = 0.1, temperature = 700.0;
        var state = new MdState(IdealGas(n, [6.941, 39.948], 30.0), UnitSystem.Metal, dt);
        var thermostat = new LangevinThermostat(temperature, temperature, damp, 4931);
        var simulation = new MdSimulation(state, [thermostat], new VelocityVerlet(), s_exactLists, 1);
        var perType = new List<double>[] { [], [] };
        var atDamp = 0.0;
        var stepsPerDamp = (int)Math.Round(damp / dt);
        simulation.Run(100 * stepsPerDamp, 10, s =>
        {
            var t = TypeTemperatures(state);
            if (s.Step == stepsPerDamp)
            {
                atDamp = (t[0] + t[1]) / 2;
            }
            if (s.Step >= 5 * stepsPerDamp)
            {
                perType[0].Add(t[0]);
                perType[1].Add(t[1]);
            }
        });
        // At t = damp: 1 - (1 - dt/damp)^(2 damp/dt) of the target, about 1 - exp(-2); one sample of the mean of the
        // two types' temperatures (6000 components) scatters by 1.8 %.
        var approach = 1 - Math.Pow(1 - dt / damp, 2 * stepsPerDamp);
        output.WriteLine($"T(damp) / T = {atDamp / temperature:F4}, expected {approach:F4}");
        Assert.InRange(atDamp / temperature, approach - 0.05, approach + 0.05);
        for (var type = 0; type < 2; type++)
        {
            var (mean, error) = MeanAndBlockError(perType[type], 10);
            output.WriteLine($"type {type + 1}: mean T {mean:F2} K +- {error:F2} (target {temperature})");
            Assert.True(Math.Abs(mean - temperature) < 4 * error, $"type {type + 1}: mean {mean:F2} K, +- {error:F2}");
            Assert.True(error < 0.01 * temperature, $"type {type + 1}: error {error:F2} K");
        }
    }

    [Fact]
    public void A_Lennard_Jones_liquid_is_held_at_the_target_temperature_with_canonical_fluctuations()
    {
        // lj-500.data (bench/in.lj's fcc start at T = 1.44, which melts and cools to about 0.7 under NVE) held at
        // T = 1.2 with damp = 0.5 tau (100 steps). After 10 damping times the thermo temperature is averaged over 1200
        // samples: its mean must be the target within 3.5 standard errors (from 20 block averages), and its
        // fluctuation the canonical one. Thermo's temperature divides by 3N - 3 degrees of freedom while a Langevin
        // thermostat puts kB T into all 3N (it does not conserve momentum), so the expected mean is T 3N / (3N - 3).
        // Canonical kinetic-energy fluctuations: var(T) = 2 T^2 / (3N), sd 0.036 T for N = 500; a velocity-rescaling
        // thermostat would show far less, a missing drag far more.
        const double temperature = 1.2, damp = 0.5;
        var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1, 1, 2.5, options: new PairComputeOptions { Threads = 2 });
        var thermostat = new LangevinThermostat(temperature, temperature, damp, 87287);
        var simulation = new MdSimulation(state, [pair, thermostat], new VelocityVerlet(), s_exactLists, 2);
        var equilibrationSteps = (int)(10 * damp / state.Timestep);
        simulation.Run(equilibrationSteps);
        var samples = new List<double>();
        simulation.Run(12000, 10, s => samples.Add(s.Temperature));
        samples.RemoveAt(0);
        var n = state.AtomCount;
        var expected = temperature * 3 * n / (3.0 * n - 3);
        var (mean, error) = MeanAndBlockError(samples, 20);
        var sd = Math.Sqrt(samples.Select(t => (t - mean) * (t - mean)).Average());
        var canonicalSd = expected * Math.Sqrt(2.0 / (3 * n));
        output.WriteLine($"mean T {mean:F4} +- {error:F4} (expected {expected:F4}); sd {sd:F4}, canonical {canonicalSd:F4}");
        Assert.True(Math.Abs(mean - expected) < 3.5 * error, $"mean T {mean:F4} +- {error:F4}, expected {expected:F4}");
        Assert.True(error < 0.005 * temperature, $"standard error {error:F4}");
        Assert.InRange(sd / canonicalSd, 0.85, 1.15);
    }

    [Fact]
    public void Trajectories_do_not_depend_on_storage_order_or_on_how_atoms_are_split()
    {
        // The random force of atom id at step n is a pure function of (seed, id, n, component), so permuting the
        // atoms changes nothing, bit for bit, provided the other forces do not depend on the order either. The
        // engine's pair loops sum in neighbour-list order, which follows storage order, so here an all-pairs LJ sums
        // each atom's force over its partners in id order. 200 steps of a liquid: any order dependence would
        // leave last-bit differences, which the chaos of the liquid then amplifies.
        var system = MdTestSystems.Reference("lj-500.data");
        var permutation = Enumerable.Range(0, system.AtomCount).OrderBy(i => (i * 7919) % 503).ToArray();
        var permuted = Permute(system, permutation);
        var runs = new[] { system, permuted }.Select(s =>
        {
            var state = new MdState(s, UnitSystem.Lj);
            var thermostat = new LangevinThermostat(1.5, 1.0, 0.2, 271828);
            var simulation = new MdSimulation(state, [new IdOrderedLennardJones(2.5), thermostat], new VelocityVerlet(), s_exactLists, 1);
            simulation.Run(200);
            return state;
        }).ToArray();
        Assert.Equal(200, runs[0].Step);
        var a = ById(runs[0]);
        var b = ById(runs[1]);
        var changed = 0.0;
        foreach (var id in a.Keys)
        {
            var (ia, ib) = (a[id], b[id]);
            for (var d = 0; d < 3; d++)
            {
                AssertSameBits(runs[0].Positions[3 * ia + d], runs[1].Positions[3 * ib + d], $"atom {id} x{d}");
                AssertSameBits(runs[0].Velocities[3 * ia + d], runs[1].Velocities[3 * ib + d], $"atom {id} v{d}");
                Assert.Equal(runs[0].Images[3 * ia + d], runs[1].Images[3 * ib + d]);
            }
        }
        var start = MdTestSystems.Reference("lj-500.data");
        for (var k = 0; k < start.Velocities.Length; k++)
        {
            changed = Math.Max(changed, Math.Abs(runs[0].Velocities[k] - start.Velocities[k]));
        }
        Assert.True(changed > 0.5, $"velocities changed by at most {changed}");

        // Two domains, each computing the force of its own atoms from ids, types and velocities only, give the forces
        // of the whole set.
        var whole = runs[0];
        var step = new LangevinThermostat(1.0, 1.0, 0.2, 99).StepOf(whole);
        var all = new double[3 * whole.AtomCount];
        LangevinThermostat.AddForces(step, whole.Masses, whole.Ids, whole.Types, whole.Velocities, all);
        foreach (var inDomain in new Func<int, bool>[] { i => whole.Positions[3 * i] < whole.Box.XLo + whole.Box.LengthX / 2, i => !(whole.Positions[3 * i] < whole.Box.XLo + whole.Box.LengthX / 2) })
        {
            var own = Enumerable.Range(0, whole.AtomCount).Where(inDomain).Reverse().ToArray();
            var velocities = own.SelectMany(i => new[] { whole.Velocities[3 * i], whole.Velocities[3 * i + 1], whole.Velocities[3 * i + 2] }).ToArray();
            var forces = new double[3 * own.Length];
            LangevinThermostat.AddForces(
                step, whole.Masses, own.Select(i => whole.Ids[i]).ToArray(), own.Select(i => whole.Types[i]).ToArray(), velocities, forces);
            for (var j = 0; j < own.Length; j++)
            {
                for (var d = 0; d < 3; d++)
                {
                    AssertSameBits(all[3 * own[j] + d], forces[3 * j + d], $"domain force on atom {whole.Ids[own[j]]}");
                }
            }
        }
    }

    [Fact]
    public void Infinite_damping_time_is_NVE_and_long_ones_approach_it_as_one_over_its_square_root()
    {
        // damp = infinity: drag -m v / damp and noise ~ sqrt(1 / damp) are both zero, and the run is fix nve's, value
        // for value. Finite damp: the random kicks, which dominate the drag, move the trajectory away from NVE's by an
        // amount proportional to damp^(-1/2) while it is still small, so a hundredfold damp shrinks it tenfold.
        var nve = Run(null);
        var infinite = Run(double.PositiveInfinity);
        for (var k = 0; k < nve.Length; k++)
        {
            Assert.True(nve[k] == infinite[k], $"component {k}: NVE {nve[k]:R}, damp = infinity {infinite[k]:R}");
        }
        var near = Run(1e8).Zip(nve, (a, b) => Math.Abs(a - b)).Max();
        var far = Run(1e6).Zip(nve, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"largest position difference from NVE after 100 steps: damp 1e6 {far:E2}, damp 1e8 {near:E2}");
        Assert.True(near > 0 && far < 1e-3, $"damp 1e6 {far:E2}, 1e8 {near:E2}");
        Assert.InRange(far / near, 7.0, 14.0);

        static double[] Run(double? damp)
        {
            var state = new MdState(MdTestSystems.Reference("lj-500.data"), UnitSystem.Lj);
            using var pair = LennardJonesCut.SingleType(1, 1, 2.5, options: new PairComputeOptions { Threads = 1 });
            IForceProvider[] providers = damp is { } d ? [pair, new LangevinThermostat(1.44, 1.44, d, 1234)] : [pair];
            new MdSimulation(state, providers, new VelocityVerlet(), s_exactLists, 1).Run(100);
            return state.Positions;
        }
    }

    [Fact]
    public void The_target_ramps_from_start_to_stop_over_each_run()
    {
        // FixLangevin::compute_target: T = Tstart + (step - begin) / (end - begin) (Tstop - Tstart), the run's bounds
        // as MdSimulation.Run gives them.
        var state = new MdState(IdealGas(10, [1.0], 10.0), UnitSystem.Lj);
        var thermostat = new LangevinThermostat(2.0, 1.0, 1.0, 7);
        Assert.Equal(2.0, thermostat.TargetTemperature(500));
        var simulation = new MdSimulation(state, [thermostat], new VelocityVerlet(), s_exactLists, 1);
        simulation.Run(100);
        Assert.Equal(2.0, thermostat.TargetTemperature(0));
        Assert.Equal(1.5, thermostat.TargetTemperature(50));
        Assert.Equal(1.0, thermostat.TargetTemperature(100));
        simulation.Run(300);
        Assert.Equal(2.0, thermostat.TargetTemperature(100));
        Assert.Equal(1.5, thermostat.TargetTemperature(250));
        Assert.Equal(1.5, thermostat.StepOf(new MdState(state.System, state.Units) { Step = 250 }).Temperature);
    }

    private static MdSystem IdealGas(int n, double[] masses, double edge)
    {
        var random = new Random(n);
        return new MdSystem(
            OrthogonalBox.FromLengths(edge, edge, edge), masses.Length, Enumerable.Range(1, n).ToArray(),
            Enumerable.Range(0, n).Select(i => 1 + i % masses.Length).ToArray(),
            Enumerable.Range(0, 3 * n).Select(_ => random.NextDouble() * edge).ToArray(), masses: masses);
    }

    // Kinetic temperature of each type over its 3 N_type degrees of freedom: sum m v^2 mvv2e / (3 N_type kB).
    private static double[] TypeTemperatures(MdState state)
    {
        var sums = new double[state.TypeCount];
        var counts = new int[state.TypeCount];
        var v = state.Velocities;
        for (var i = 0; i < state.AtomCount; i++)
        {
            var t = state.Types[i] - 1;
            sums[t] += state.MassOf(i) * (v[3 * i] * v[3 * i] + v[3 * i + 1] * v[3 * i + 1] + v[3 * i + 2] * v[3 * i + 2]);
            counts[t]++;
        }
        return sums.Select((s, t) => s * state.Units.Mvv2e / (3.0 * counts[t] * state.Units.Boltzmann)).ToArray();
    }

    // Mean and its standard error from the scatter of block means (blocks long against the correlation time).
    private static (double Mean, double Error) MeanAndBlockError(IReadOnlyList<double> samples, int blocks)
    {
        var size = samples.Count / blocks;
        var means = Enumerable.Range(0, blocks).Select(b => samples.Skip(b * size).Take(size).Average()).ToArray();
        var mean = means.Average();
        var variance = means.Sum(m => (m - mean) * (m - mean)) / (blocks - 1);
        return (mean, Math.Sqrt(variance / blocks));
    }

    private static double Correlation(Func<int, double> x, Func<int, double> y, int count)
    {
        var xs = Enumerable.Range(0, count).Select(x).ToArray();
        var ys = Enumerable.Range(0, count).Select(y).ToArray();
        var (mx, my) = (xs.Average(), ys.Average());
        var cov = xs.Zip(ys, (a, b) => (a - mx) * (b - my)).Sum();
        return cov / Math.Sqrt(xs.Sum(a => (a - mx) * (a - mx)) * ys.Sum(b => (b - my) * (b - my)));
    }

    private static MdSystem Permute(MdSystem s, int[] order)
    {
        double[] Triples(double[] a) => order.SelectMany(i => new[] { a[3 * i], a[3 * i + 1], a[3 * i + 2] }).ToArray();
        return new MdSystem(
            s.Box, s.TypeCount, order.Select(i => s.Ids[i]).ToArray(), order.Select(i => s.Types[i]).ToArray(),
            Triples(s.Positions), Triples(s.Velocities), order.SelectMany(i => new[] { s.Images[3 * i], s.Images[3 * i + 1], s.Images[3 * i + 2] }).ToArray(),
            (double[])s.Masses.Clone());
    }

    private static Dictionary<int, int> ById(MdState state) => state.Ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);

    private static void AssertSameBits(double expected, double actual, string what)
    {
        if (BitConverter.DoubleToInt64Bits(expected) != BitConverter.DoubleToInt64Bits(actual))
        {
            Assert.Fail($"{what}: {expected:R} and {actual:R}");
        }
    }

    /// <summary>Lennard-Jones (epsilon = sigma = 1) over all pairs by minimum image, each atom's force summed over its
    /// partners in increasing id order: a force that does not depend on how atoms are stored.</summary>
    private sealed class IdOrderedLennardJones(double cutoff) : IForceProvider
    {
        public string Name => "lj/cut by id";

        public NeighborRequest? Neighbors => null;

        public void Compute(MdState state, NeighborList? list, ForceResult result)
        {
            var byId = Enumerable.Range(0, state.AtomCount).OrderBy(i => state.Ids[i]).ToArray();
            var x = state.Positions;
            var lengths = new[] { state.Box.LengthX, state.Box.LengthY, state.Box.LengthZ };
            var energy = 0.0;
            Span<double> del = stackalloc double[3];
            for (var i = 0; i < state.AtomCount; i++)
            {
                double fx = 0, fy = 0, fz = 0;
                foreach (var j in byId)
                {
                    if (j == i)
                    {
                        continue;
                    }
                    for (var d = 0; d < 3; d++)
                    {
                        del[d] = x[3 * i + d] - x[3 * j + d];
                        del[d] -= lengths[d] * Math.Round(del[d] / lengths[d]);
                    }
                    var rsq = del[0] * del[0] + del[1] * del[1] + del[2] * del[2];
                    if (rsq >= cutoff * cutoff)
                    {
                        continue;
                    }
                    var r2inv = 1.0 / rsq;
                    var r6inv = r2inv * r2inv * r2inv;
                    var fpair = r6inv * (48.0 * r6inv - 24.0) * r2inv;
                    fx += del[0] * fpair;
                    fy += del[1] * fpair;
                    fz += del[2] * fpair;
                    energy += 0.5 * 4.0 * r6inv * (r6inv - 1.0);
                }
                result.Forces[3 * i] += fx;
                result.Forces[3 * i + 1] += fy;
                result.Forces[3 * i + 2] += fz;
            }
            result.Energy += energy;
        }
    }
}
