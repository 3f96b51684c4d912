using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Md.Domains;

namespace Dataflow.Kernels.Md;

/// <summary>Times the LAMMPS <c>bench/in.lj</c> case (32000 Lennard-Jones atoms, 100 NVE steps) here and, when LAMMPS
/// is installed, in LAMMPS itself, side by side in one run.</summary>
/// <remarks>
/// <para>Dataflow runs start from <c>lj-32000.data.gz</c>, the state LAMMPS' <c>in.lj</c> has after
/// <c>velocity create</c>, with its settings: lj/cut 2.5, skin 0.3, lists rebuilt every 20 steps without a
/// check, fix nve, thermo on the first and last step. Each pair path runs with each thread count, and so does the
/// spatial-domain path (the box as one domain with ghost atoms, <see cref="DomainNeighborList"/> and
/// <see cref="DomainLennardJonesCut"/>: a full list sorted by canonical key, no Newton's third law). The time of a
/// Dataflow run includes its setup (one list build and one force evaluation); LAMMPS' "Loop time" does not, so
/// the comparison slightly favours LAMMPS.</para>
/// <para>LAMMPS runs <c>in.lj</c> itself as <c>lmp -in in.lj</c> and, when <c>mpirun</c> exists,
/// <c>mpirun -np 2 lmp -in in.lj</c>, one OpenMP thread per process; the time is its "Loop time". Without
/// <c>lmp</c> on the PATH the LAMMPS rows are skipped with a message.</para>
/// <para>All variants run in turn for <see cref="MdBenchmarkSettings.Rounds"/> rounds; each reports its best time.</para>
/// </remarks>
public static class MdBenchmark
{
    /// <summary>Runs the benchmark with default settings and prints a table to <paramref name="output"/>.</summary>
    public static MdBenchmarkReport Run(TextWriter output) => Run(output, null);

    /// <summary>Runs the benchmark and prints a table to <paramref name="output"/>.</summary>
    public static MdBenchmarkReport Run(TextWriter output, MdBenchmarkSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(output);
        settings ??= new MdBenchmarkSettings();
        var system = LammpsDataReader.Read(settings.DataFile ?? MdReferenceData.File("lj-32000.data.gz"));
        var atoms = system.AtomCount;
        output.WriteLine(Invariant($"md: LAMMPS bench/in.lj, {atoms} LJ atoms, {settings.Steps} NVE steps; atom-steps/s, ratio to LAMMPS serial measured in this run; {Environment.ProcessorCount} processors"));

        // Warm-up: compile every path once on a small copy of the problem.
        foreach (var path in settings.Paths)
        {
            RunDataflow(LammpsDataReader.Read(MdReferenceData.File("lj-500.data")), path, 1, 5);
        }
        if (settings.DomainLoop)
        {
            RunDomain(LammpsDataReader.Read(MdReferenceData.File("lj-500.data")), 1, 5);
        }

        // Variants run in turn, round after round, and each keeps its best time: on a shared machine the least
        // disturbed run is the closest to what the code can do, and interleaving exposes all variants alike.
        string? skipped = null;
        var lmp = settings.RunLammps ? FindOnPath(settings.LammpsExecutable) : null;
        var mpirun = lmp is null ? null : FindOnPath("mpirun");
        if (!settings.RunLammps)
        {
            skipped = "LAMMPS not run (settings)";
        }
        else if (lmp is null)
        {
            skipped = $"LAMMPS not measured: '{settings.LammpsExecutable}' is not on the PATH (Debian: apt-get install lammps)";
        }
        else if (mpirun is null)
        {
            skipped = "mpirun not on the PATH: LAMMPS measured serially only";
        }
        var variants = new List<Variant>();
        foreach (var path in settings.Paths)
        {
            foreach (var threads in settings.ThreadCounts)
            {
                variants.Add(new Variant($"dataflow {Label(path)}", threads, () =>
                {
                    var (seconds, final, backend) = RunDataflow(system, path, threads, settings.Steps);
                    return (seconds, final.TotalEnergy, backend, null);
                }));
            }
        }
        if (settings.DomainLoop)
        {
            foreach (var threads in settings.ThreadCounts)
            {
                variants.Add(new Variant($"dataflow {DomainLabel}", threads, () =>
                {
                    var (seconds, final) = RunDomain(system, threads, settings.Steps);
                    return (seconds, final.TotalEnergy, null, null);
                }));
            }
        }
        if (lmp is not null)
        {
            variants.Add(new Variant("lmp -in in.lj", 1, () => RunLammps(lmp, null, settings)));
            if (mpirun is not null)
            {
                variants.Add(new Variant("mpirun -np 2 lmp -in in.lj", 2, () => RunLammps(lmp, mpirun, settings)));
            }
        }
        string? kernelBackend = null;
        var finalEnergies = new List<double>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var variant in variants.Where(v => v.Problem is null))
            {
                var (seconds, energy, backend, problem) = variant.Measure();
                if (problem is not null)
                {
                    variant.Problem = problem;
                    continue;
                }
                variant.Best = Math.Min(variant.Best, seconds);
                kernelBackend ??= backend;
                if (round == 0 && energy is { } e)
                {
                    finalEnergies.Add(e);
                }
            }
        }
        foreach (var failed in variants.Where(v => v.Problem is not null))
        {
            skipped = $"{failed.Label}: {failed.Problem}";
        }
        var rows = variants.Where(v => v.Problem is null)
            .Select(v => new MdBenchmarkRow(v.Label, v.Threads, v.Best, (double)atoms * settings.Steps / v.Best))
            .ToList();

        var baseline = rows.FirstOrDefault(r => r.Label.StartsWith("lmp", StringComparison.Ordinal));
        output.WriteLine();
        output.WriteLine($"{"variant",-34} {"threads",7} {"seconds",9} {"atom-steps/s",14} {"vs lmp serial",14}");
        foreach (var row in rows)
        {
            var ratio = baseline is null ? "" : Invariant($"{row.AtomStepsPerSecond / baseline.AtomStepsPerSecond,13:F2}x");
            output.WriteLine(Invariant($"{row.Label,-34} {row.Threads,7} {row.Seconds,9:F3} {row.AtomStepsPerSecond,14:E3} {ratio,14}"));
        }
        foreach (var label in settings.Paths.Select(Label).Concat(settings.DomainLoop ? [DomainLabel] : []))
        {
            var mine = rows.Where(r => r.Label == $"dataflow {label}").ToArray();
            if (mine.Length >= 2)
            {
                output.WriteLine(Invariant(
                    $"speed-up {label}, {mine[^1].Threads} vs {mine[0].Threads} threads: {mine[^1].AtomStepsPerSecond / mine[0].AtomStepsPerSecond:F2}x"));
            }
        }
        var lammpsRows = rows.Where(r => r.Label.StartsWith("lmp", StringComparison.Ordinal)
            || r.Label.StartsWith("mpirun", StringComparison.Ordinal)).ToArray();
        if (lammpsRows.Length == 2)
        {
            output.WriteLine(Invariant(
                $"speed-up LAMMPS, 2 vs 1 processes: {lammpsRows[1].AtomStepsPerSecond / lammpsRows[0].AtomStepsPerSecond:F2}x"));
        }
        if (kernelBackend is not null)
        {
            output.WriteLine($"kernel backend: {kernelBackend}");
        }
        if (skipped is not null)
        {
            output.WriteLine(skipped);
        }
        if (finalEnergies.Count > 0)
        {
            output.WriteLine(Invariant($"final etotal/atom of the Dataflow runs: {string.Join(", ", finalEnergies.Select(e => e.ToString("R", CultureInfo.InvariantCulture)))}"));
            if (settings.DataFile is null)
            {
                var reference = LammpsLog.Thermo(File.ReadLines(MdReferenceData.File("log.lj-32000")), normalized: true)[^1];
                output.WriteLine(Invariant($"final etotal/atom in LAMMPS' log.lj-32000:  {reference.TotalEnergy:R}"));
            }
        }
        return new MdBenchmarkReport(rows, skipped) { FinalTotalEnergies = finalEnergies };
    }

    private static (double Seconds, ThermoSample Final, string? KernelBackend) RunDataflow(MdSystem source, PairComputePath path, int threads, int steps)
    {
        var state = new MdState(source.Clone(), UnitSystem.Lj);
        using var pair = LennardJonesCut.SingleType(1.0, 1.0, 2.5, options: new PairComputeOptions { Path = path, Threads = threads });
        var simulation = new MdSimulation(
            state,
            [pair],
            new VelocityVerlet(),
            new NeighborSettings { SkinDistance = 0.3, Every = 20, Delay = 0, Check = false },
            threads);
        var clock = Stopwatch.StartNew();
        var final = simulation.Run(steps);
        return (clock.Elapsed.TotalSeconds, final, pair.KernelBackend);
    }

    // The box as one spatial domain with ghosts: the domain list (rebuilt every 20 steps, skin 0.3) and the domain
    // lj/cut loop, stepped as MdSimulation steps.
    private static (double Seconds, ThermoSample Final) RunDomain(MdSystem source, int threads, int steps)
    {
        var state = new MdState(source.Clone(), UnitSystem.Lj);
        using var lj = LennardJonesCut.SingleType(1.0, 1.0, 2.5);
        var run = new SingleDomainVerlet(state, new DomainLennardJonesCut(lj, threads), 0.3, 20, threads);
        var clock = Stopwatch.StartNew();
        var final = run.Run(steps);
        return (clock.Elapsed.TotalSeconds, final);
    }

    // Loop time of one LAMMPS run, as (seconds, no energy, no backend, problem).
    /// <summary>LAMMPS' loop time of <c>in.lj</c> (32,000 atoms, 100 steps) with 1 process (<c>lmp</c>) or 2
    /// (<c>mpirun -np 2 lmp</c>), best of <paramref name="rounds"/>; null with <paramref name="problem"/> set when
    /// LAMMPS or mpirun is missing or fails.</summary>
    public static double? LammpsLoopSeconds(int processes, out string? problem, int rounds = 3)
    {
        var settings = new MdBenchmarkSettings();
        var lmp = FindOnPath(settings.LammpsExecutable);
        var mpirun = processes > 1 ? FindOnPath("mpirun") : null;
        if (lmp is null || (processes > 1 && mpirun is null))
        {
            problem = lmp is null ? $"'{settings.LammpsExecutable}' is not on the PATH (Debian: apt-get install lammps)" : "mpirun is not on the PATH";
            return null;
        }
        double? best = null;
        problem = null;
        for (var round = 0; round < rounds; round++)
        {
            var (seconds, _, _, failure) = RunLammps(lmp, mpirun, settings);
            if (failure is not null)
            {
                problem = failure;
                return null;
            }
            best = Math.Min(best ?? double.MaxValue, seconds);
        }
        return best;
    }

    private static (double Seconds, double? Energy, string? Backend, string? Problem) RunLammps(
        string lmp, string? mpirun, MdBenchmarkSettings settings)
    {
        var directory = Directory.CreateTempSubdirectory("dataflow-md-bench-");
        try
        {
            File.Copy(MdReferenceData.File("in.lj"), Path.Combine(directory.FullName, "in.lj"));
            var start = LammpsStart(lmp, mpirun, directory.FullName, "-in", "in.lj", "-log", "log.lammps", "-screen", "none");
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(settings.LammpsTimeout))
            {
                process.Kill(entireProcessTree: true);
                return (0, null, null, $"timed out after {settings.LammpsTimeout.TotalSeconds} s");
            }
            var log = Path.Combine(directory.FullName, "log.lammps");
            var loop = File.Exists(log) ? LammpsLog.LoopTime(File.ReadLines(log)) : null;
            if (process.ExitCode != 0 || loop is null)
            {
                var detail = stderr.Result.Trim();
                return (0, null, null, $"exit code {process.ExitCode}, no loop time{(detail.Length > 0 ? ": " + detail : "")}");
            }
            return (loop.Value.Seconds, null, null, null);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (0, null, null, ex.Message);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>How to start <paramref name="lmp"/> (under <c>mpirun -np 2</c> when <paramref name="mpirun"/> is given) in
    /// <paramref name="directory"/> with <c>-nocite</c> and <paramref name="arguments"/>: one OpenMP thread per rank,
    /// standard streams redirected.</summary>
    public static ProcessStartInfo LammpsStart(string lmp, string? mpirun, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(mpirun ?? lmp)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (mpirun is not null)
        {
            start.ArgumentList.Add("-np");
            start.ArgumentList.Add("2");
            start.ArgumentList.Add(lmp);
        }
        start.ArgumentList.Add("-nocite");
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["OMP_NUM_THREADS"] = "1";
        // Open MPI refuses to start as root without these; harmless otherwise.
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        return start;
    }

    /// <summary>The full path of <paramref name="name"/> in a PATH folder, or null.</summary>
    public static string? FindOnPath(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(name) ? name : null;
        }
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return folders.Select(f => Path.Combine(f, name)).FirstOrDefault(File.Exists);
    }

    private sealed class Variant(
        string label, int threads, Func<(double Seconds, double? Energy, string? Backend, string? Problem)> measure)
    {
        public string Label { get; } = label;

        public int Threads { get; } = threads;

        public Func<(double Seconds, double? Energy, string? Backend, string? Problem)> Measure { get; } = measure;

        public double Best { get; set; } = double.PositiveInfinity;

        public string? Problem { get; set; }
    }

    private const string DomainLabel = "domain full list (C#)";

    private static string Label(PairComputePath path) => path switch
    {
        PairComputePath.HalfList => "half list (C#)",
        _ => "full-list ILGPU kernel",
    };

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
