using System.Globalization;
using System.Text;
using Dataflow.Actors.Runtime;
using Dataflow.Md;

namespace Dataflow.Host;

/// <summary><c>dataflow run md</c>: molecular dynamics of a LAMMPS data file on spatial-domain actors.</summary>
internal sealed partial class MdCommand : WorkloadCommand
{
    private const string UsageText = """
        usage: dataflow run md --in SCRIPT [-var NAME VALUE]... [-log FILE]   (a LAMMPS input script: 'dataflow md --help')
               dataflow run md --data FILE [--units lj|metal|real] [--pair "lj/cut 2.5"] [--pair-coeff "I J EPS SIGMA [CUT]"]...
                               [--mix geometric|arithmetic] [--shift] [--kspace none|ewald|pppm] [--kspace-accuracy 1e-5]
                               [--timestep DT] [--skin 0.3] [--rebuild-every 10] [--steps 100] [--thermo 10]
                               [--domains 2x2x2] [--balance none|ring] [--balance-every N] [--checkpoint-every N]
                               [--langevin "T_START T_STOP DAMP SEED" | --nvt "T_START T_STOP DAMP"] [--dump FILE]
                               [--dump-every 100] [--threads N] [--special-bonds "W12 W13 W14 [C12 C13 C14]"]
                               [--cluster HOST:PORT] [--json FILE] [--quiet]

        Velocity-Verlet (NVE) molecular dynamics from a LAMMPS data file (atom styles atomic, charge, full; orthogonal
        box; a .gz file is read too), as LAMMPS' 'run' would do it: the box is split into a grid of domain actors
        placed over the cluster's nodes, exchanging ghost atoms with their neighbours; Coulomb by Ewald or PPPM on
        its own actor, overlapped with the domains' pair loops; ring load balancing moves domain boundaries along
        the axis with the most domains. Thermo lines as LAMMPS prints them (step temp pe ke etotal press); lj units
        print energies per atom. Results are bit for bit the same for any domain grid or node count.

          --data FILE            LAMMPS data file (masses required; Pair Coeffs used unless --pair-coeff is given)
          --units STYLE          lj (default), metal or real: every number in the file and options
          --pair "STYLE ARGS"    lj/cut RC (default "lj/cut 2.5") or lj/cut/coul/long RC_LJ [RC_COUL]
          --pair-coeff "I J EPS SIGMA [RC]"   repeatable; mixing fills in unlike pairs
          --mix RULE             geometric (default) or arithmetic
          --shift                shift LJ energies to zero at the cutoff
          --kspace STYLE         ewald or pppm with lj/cut/coul/long (default none)
          --kspace-accuracy A    relative force accuracy (default 1e-5)
          --timestep DT          default 0.005 tau (lj), 0.001 ps (metal), 1 fs (real)
          --skin D               neighbour skin, default 0.3 sigma (lj) or 2 Angstrom
          --rebuild-every N      steps between neighbour-list rebuilds and migrations (default 10)
          --steps N              steps to run (default 100)
          --thermo N             thermo output every N steps (default 10; 0: first and last only)
          --domains PXxPYxPZ     domain grid (default 1x1x1)
          --balance ring         move domain boundaries along the ring axis to even out measured cost
          --balance-every N      steps between balancing rounds (default 5 rebuilds)
          --checkpoint-every N   steps between checkpoints (default 10 rebuilds); a lost node restarts from one
          --langevin "T0 T1 DAMP SEED"   Langevin thermostat as LAMMPS' fix langevin (default: NVE)
          --nvt "T0 T1 DAMP"     Nose-Hoover chain thermostat as LAMMPS' fix nvt temp T0 T1 DAMP (chain of 3)
          --dump FILE            LAMMPS dump (id type x y z) every --dump-every steps (default 100), for OVITO or VMD
          --threads N            threads per domain's pair loop (default: processors / domains on the node)
          --special-bonds "W12 W13 W14 [C12 C13 C14]"   LAMMPS' special_bonds lj/coul weights (or lj, then coul) of
                                 a data file with bonds: the 1-2, 1-3 and 1-4 pairs (default 0 0 0, LAMMPS' default);
                                 bonds and angles are harmonic, with the file's Bond Coeffs and Angle Coeffs
          --plot FILE            PNG or SVG of the thermo (temperature, energies, pressure) and the domain imbalance

        example: dataflow run md --data lj.data --pair "lj/cut 2.5" --steps 1000 --domains 2x2x2 --json md.json
        """;

    /// <inheritdoc />
    public override string Verb => "md";

    /// <inheritdoc />
    public override string Summary => "molecular dynamics of a LAMMPS data file on spatial-domain actors";

    /// <inheritdoc />
    public override string Usage => UsageText;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
        ["data", "units", "pair", "pair-coeff", "mix", "kspace", "kspace-accuracy", "timestep", "skin", "rebuild-every",
            "steps", "thermo", "domains", "balance", "balance-every", "checkpoint-every", "dump", "dump-every", "threads",
            "langevin", "nvt", "special-bonds"];

    /// <inheritdoc />
    public override IReadOnlyList<string> FlagOptions => ["shift"];

    /// <inheritdoc />
    public override Func<Task<int>>? RunsItself(string[] args) =>
        args.Any(a => a is "--in" or "-in") ? () => MdScriptCommand.RunAsync(args) : null;

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        var data = o.String("data") ?? throw new UsageException("md needs --data FILE", UsageText);
        var (style, arguments) = ParsePair(o.String("pair") ?? "lj/cut 2.5");
        var dump = o.String("dump");
        try
        {
            var builder = Job.Md().Data(data).Units(o.String("units") ?? "lj").Pair(style, arguments)
                .Mixing(o.String("mix") ?? "geometric").Shift(o.Flag("shift"))
                .KSpace(o.String("kspace") ?? "none", o.Double("kspace-accuracy", 1e-5))
                .RebuildEvery(o.Int("rebuild-every", 10)).Steps(o.Long("steps", 100)).Thermo(o.Int("thermo", 10))
                .Domains(o.String("domains") ?? "1x1x1").Balance(o.String("balance") ?? "none", o.Int("balance-every", 0))
                .CheckpointEvery(o.Int("checkpoint-every", 0)).ThreadsPerDomain(o.Int("threads", 0))
                .DumpEvery(dump is null ? 0 : o.Int("dump-every", 100));
            foreach (var line in o.All("pair-coeff"))
            {
                builder.PairCoeff(line);
            }
            if (o.String("langevin") is { } langevin)
            {
                var fields = langevin.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                var values = fields.Select(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
                if (values.Length != 4 || values.Any(double.IsNaN) || values[3] != Math.Floor(values[3]) || values[3] < 1 || values[3] > int.MaxValue)
                {
                    throw new UsageException($"--langevin '{langevin}': expected T_START T_STOP DAMP SEED, e.g. \"1.0 1.0 1.0 48279\"", UsageText);
                }
                builder.Langevin(values[0], values[1], values[2], (int)values[3]);
            }
            if (o.String("nvt") is { } nvt)
            {
                var values = nvt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                    .Select(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
                if (values.Length != 3 || values.Any(v => !(v > 0) || double.IsInfinity(v)))
                {
                    throw new UsageException($"--nvt '{nvt}': expected T_START T_STOP DAMP, each > 0, e.g. \"1.0 1.0 0.5\"", UsageText);
                }
                builder.Nvt(values[0], values[1], values[2]);
            }
            if (o.String("special-bonds") is { } special)
            {
                var values = special.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                    .Select(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
                if (values.Length is not (3 or 6) || values.Any(v => !(v >= 0 && v <= 1)))
                {
                    throw new UsageException(
                        $"--special-bonds '{special}': expected three weights in [0, 1] (lj/coul), or six (lj, then coul), e.g. \"0 0 0.5\"", UsageText);
                }
                builder.SpecialBonds(values[..3], values.Length == 6 ? values[3..] : values[..3]);
            }
            if (o.String("timestep") is not null)
            {
                builder.Timestep(o.Double("timestep", 0));
            }
            if (o.String("skin") is not null)
            {
                builder.Skin(o.Double("skin", 0));
            }
            return builder.Build();
        }
        catch (FileNotFoundException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid md job: {e.Message}");
        }
    }

    /// <inheritdoc />
    public override IEnumerable<OutputPath> OutputPaths(ParsedOptions o) =>
        o.String("dump") is { } dump ? [new OutputPath("dump", dump)] : [];

    /// <inheritdoc />
    public override Action<JobOutput>? Output(ParsedOptions o)
    {
        if (o.String("dump") is not { } dump)
        {
            return null;
        }
        // Frames arrive in step order; a failed run leaves the frames written so far.
        File.WriteAllText(dump, "");
        return output =>
        {
            if (output.Stream == "dump")
            {
                using var file = new FileStream(dump, FileMode.Append, FileAccess.Write);
                file.Write(output.Data);
            }
        };
    }

    /// <inheritdoc />
    public override string ProgressLine(JobProgress progress) => Describe(progress);

    /// <inheritdoc />
    public override void WriteSummary(JobResult r, ParsedOptions? options, TextWriter output)
    {
        var result = r.As<MdResult>();
        var normalized = result.Units == "lj";
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          md
            data              {result.Data}
            atoms             {result.Atoms}
            pair, kspace      {result.Pair}, {result.Kspace}
            steps             {result.Steps} (timestep {result.Timestep})
            domains           {result.Domains} on {result.Nodes} node(s), balance {result.Balance}, imbalance {result.Imbalance:F3}
            atom-steps/s      {result.AtomStepsPerSecond:E3}
            restarts          {result.Restarts} (placement changes {result.PlacementChanges})
            seconds           {result.Seconds:F2}
            state sha256      {result.StateSha256}

            thermo{(normalized ? " (energies per atom)" : "")}:
            {"Step",8} {"Temp",16} {"E_pair",16} {"KinEng",16} {"TotEng",16} {"Press",16}
            """));
        foreach (var t in result.Thermo)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{t.Step,8} {t.Temp,16:G10} {t.Pe,16:G10} {t.Ke,16:G10} {t.Etotal,16:G10} {t.Press,16:G10}"));
        }
        output.Write(text.ToString());
    }


    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
    [
        new("md", "LJ (LAMMPS bench/in.lj, 32,000 atoms): atom-steps per second on 1 and 2 threads, and lmp", (w, _) =>
        {
            w.WriteLine("== molecular dynamics, Lennard-Jones");
            Kernels.Md.MdBenchmark.Run(w);
            w.WriteLine();
            return Task.CompletedTask;
        }),
        new("mdrun", "`run md` on domain actors: in.lj on 1 and 2 cores against lmp and mpirun -np 2, and ring balancing of a dense slab", async (w, _) =>
        {
            await Bench.MdRunBench.RunAsync(w);
            w.WriteLine();
        }),
        new("spce", "SPC/E water (examples/rdf-adf/in.spce, SHAKE, PPPM) through `dataflow md` on 1 and 2 cores against lmp and mpirun -np 2", async (w, _) =>
        {
            await Bench.SpceBench.RunAsync(w);
            w.WriteLine();
        }),
        new("longrange", "the 3-D FFT against FFTW, and Ewald/PPPM timings", (w, _) =>
        {
            w.WriteLine("== long-range electrostatics");
            Kernels.Md.LongRange.LongRangeBenchmark.Run(w);
            w.WriteLine();
            return Task.CompletedTask;
        }),
    ];

    private static string Describe(JobProgress p) =>
        p.Metrics.TryGetValue("etotal", out var e)
            ? string.Create(CultureInfo.InvariantCulture,
                $"etotal {e:G8}{(p.Metrics.TryGetValue("imbalance", out var i) ? $", imbalance {i:F2}" : "")}")
            : p.Note;

    private static (string Style, double[] Arguments) ParsePair(string text)
    {
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2)
        {
            throw new UsageException($"--pair '{text}': expected a style and its cutoff(s), e.g. \"lj/cut 2.5\"", UsageText);
        }
        var arguments = new double[fields.Length - 1];
        for (var k = 1; k < fields.Length; k++)
        {
            if (!double.TryParse(fields[k], NumberStyles.Float, CultureInfo.InvariantCulture, out arguments[k - 1]))
            {
                throw new UsageException($"--pair '{text}': '{fields[k]}' is not a number", UsageText);
            }
        }
        return (fields[0], arguments);
    }
}
