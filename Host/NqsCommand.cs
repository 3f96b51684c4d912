using System.Globalization;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Dataflow.Nqs;

namespace Dataflow.Host;

/// <summary><c>dataflow run nqs</c>: ground-state energy by variational Monte Carlo with a transformer wavefunction.</summary>
internal sealed class NqsCommand : WorkloadCommand
{
    private static readonly string s_usage = $"""
        usage: dataflow run nqs --fcidump FILE|{string.Join("|", BundledMolecules.Names)} [--iterations 700] [--samples N] [--seed 1]
                                [--layers L] [--d-model D] [--heads H] [--eloc exact|sample-space] [--reference E]
                                [--optimizer adamw-sr|adamw|sr] [--orbital-order energy|file] [--frozen-core K]
                                [--intra-op-threads 1] [--gradient-threads 2]
                                [--samplers 4] [--evaluators 0] [--checkpoint-every 10] [--resume DIR] [--plot FILE.png|svg]
                                [--cluster HOST:PORT] [--json FILE] [--quiet]

        Variational Monte Carlo with an autoregressive transformer wavefunction: each iteration the logical
        samplers draw unique configurations with counts (exact autoregressive sampling), the evaluators compute
        local energies of cost-balanced sample ranges and partial energy gradients, and the driver takes an AdamW
        step; from 20 % of the iterations on, the driver takes stochastic-reconfiguration steps instead. The
        bundled molecules ({string.Join(", ", BundledMolecules.Names)}, STO-3G, Psi4) and the other FCIDUMPs of the data
        folder (c2, h2o-631g, n2-631g) can be named instead of a file; their Psi4 FCI energy, where one is recorded for
        the --frozen-core given, is the default --reference.

          --iterations N     VMC iterations (default 700)
          --samples N        logical samples per iteration once grown (default 1e12)
          --seed K           model initialisation and sampling streams
          --layers, --d-model, --heads   transformer size (defaults 2, 16, 4)
          --eloc MODE        exact (default) or sample-space local energies
          --optimizer NAME   adamw-sr (default): AdamW, then stochastic reconfiguration (minSR over at most 1024
                             samples, decays capped at 2 hartree); adamw or sr throughout
          --orbital-order O  energy (default): the model visits orbitals by ascending orbital energy; file: as listed
          --intra-op-threads T, --gradient-threads G   libtorch threads of sampling and local energies (default 1)
                             and of gradients and reconfiguration steps (default 2); the same values give the same
                             history wherever the work runs
          --frozen-core K    keep the K lowest-energy orbitals doubly occupied, folded into the Hamiltonian as
                             fci --frozen-core does (default 0)
          --reference E      report the error against this energy (hartree)
          --samplers N, --evaluators N   work items per iteration (the history depends on --samplers only);
                             --evaluators 0, the default, runs one per host
          --plot FILE        PNG or SVG of the convergence: the error against the reference on a log scale with
                             the chemical-accuracy line, and the variance (the energy itself without a reference)
          --resume DIR       this process writes the checkpoints it receives to DIR every --checkpoint-every
                             iterations and, when DIR already holds one, the job continues from it (the same options
                             give the history of an uninterrupted run). DIR is read and written here, embedded or with
                             --cluster alike: the checkpoint travels with the job (at most the remoting frame, 64 MiB
                             by default), and hosts keep their copies under their own --work-dir

        examples: dataflow run nqs --fcidump lih --json lih.json
                  dataflow run nqs --fcidump h2o --resume h2o-ck --cluster 127.0.0.1:4053
        """;

    /// <inheritdoc />
    public override string Verb => "nqs";

    /// <inheritdoc />
    public override string Summary => "variational Monte Carlo with a transformer wavefunction (QChem-Trainer)";

    /// <inheritdoc />
    public override string Usage => s_usage;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
        ["fcidump", "iterations", "samples", "seed", "layers", "d-model", "heads", "eloc", "reference", "samplers",
            "evaluators", "optimizer", "orbital-order", "intra-op-threads", "gradient-threads", "checkpoint-every",
            "resume", "frozen-core"];

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        var name = o.String("fcidump") ?? throw new UsageException("nqs needs --fcidump FILE", s_usage);
        var path = FciCommand.ResolveFcidump(name);
        var frozenCore = o.Int("frozen-core", 0);
        var reference = o.String("reference") is null ? DefaultReference(name, frozenCore) : o.Double("reference", 0);
        try
        {
            var job = Job.Nqs().Fcidump(path).Iterations(o.Int("iterations", VmcOptions.DefaultIterations)).Samples(o.Long("samples", 0)).Seed(o.Long("seed", 1))
                .Model(o.Int("layers", 0), o.Int("d-model", 0), o.Int("heads", 0)).Eloc(o.String("eloc") ?? "exact")
                .Optimizer(o.String("optimizer") ?? "adamw-sr").OrbitalOrder(o.String("orbital-order") ?? "energy").FrozenCore(frozenCore)
                .IntraOpThreads(o.Int("intra-op-threads", 0), o.Int("gradient-threads", 0))
                .Reference(reference).Workers(o.Int("samplers", 4), o.Int("evaluators", 0))
                .Checkpoints(o.Int("checkpoint-every", 10), o.String("resume")).Build();
            // Read now so that a bad file, or another job's, is a usage error; the job reads it again as it is submitted.
            job.ResumeCheckpoint();
            return job;
        }
        catch (FcidumpFormatException e)
        {
            throw new UsageException(e.Message);
        }
        catch (FileNotFoundException e)
        {
            throw new UsageException(e.Message);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--resume: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid nqs job: {UsageException.MessageOf(e)}");
        }
    }

    /// <summary>Psi4's FCI energy of a named data-folder molecule with <paramref name="frozenCore"/> orbitals frozen, when
    /// one is recorded (the bundled catalogue for the all-electron STO-3G energies, the further one for the rest); null
    /// for a file of the user's.</summary>
    internal static double? DefaultReference(string name, int frozenCore)
    {
        if (File.Exists(name))
        {
            return null;
        }
        var key = name.ToLowerInvariant();
        if (frozenCore == 0 && BundledMolecules.Names.Contains(key))
        {
            return BundledMolecules.Reference(key).FciEnergyHartree;
        }
        var more = ReferenceMolecules.All().FirstOrDefault(m => m.Name.Equals(key, StringComparison.Ordinal));
        return more is not null && more.FciEnergyHartree.TryGetValue(frozenCore.ToString(CultureInfo.InvariantCulture), out var energy)
            ? energy
            : null;
    }

    /// <inheritdoc />
    public override Action<Actors.Runtime.JobOutput>? CheckpointWriter(string directory) => output =>
    {
        if (output.Stream == Actors.Runtime.JobFiles.CheckpointStream)
        {
            NqsJob.WriteCheckpoint(directory, output.Data);
        }
    };

    /// <inheritdoc />
    /// <remarks>The checkpoint directory is the client's, embedded or with <c>--cluster</c>.</remarks>
    public override IEnumerable<OutputPath> OutputPaths(ParsedOptions o)
    {
        if (o.String("resume") is { } resume)
        {
            yield return new OutputPath("resume", resume, IsDirectory: true, CreatesDirectories: true);
        }
    }

    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) => Host.Plot.WorkloadCharts.Nqs(result.As<NqsResult>());

    /// <inheritdoc />
    public override string ProgressLine(Actors.Runtime.JobProgress progress) => Describe(progress);

    /// <inheritdoc />
    public override void WriteSummary(JobResult r, ParsedOptions? options, TextWriter output)
    {
        var result = r.As<NqsResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          nqs
            fcidump           {result.Fcidump}
            energy            {result.Energy:F8} +- {result.EnergyStdErr:E1} Ha (mean of the last iterations; blocking error, variational bias not included)
            variance          {result.Variance:E3} Ha^2 (local-energy variance: zero for an exact eigenstate)
            iterations        {result.Iterations} (unique samples at the end {result.NUnique})
            seconds           {result.Seconds:F1}
            """));
        if (result.Reference is { } reference)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"reference         {reference:F8} Ha (error {result.Error * 1e3:F3} mHa; chemical accuracy 1.6 mHa)"));
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
    [
        new("nqs", "NQS: samples per second with and without the KV cache; local-energy connected elements per second, exact against sample-space; one evaluator host process against two",
            async (w, _) =>
            {
                w.WriteLine("== NQS autoregressive sampling (KV cache against recomputing the prefix)");
                Kernels.Nqs.NqsBenchmark.Run(w);
                w.WriteLine();
                Bench.NqsRunBench.LocalEnergyThroughput(w);
                await Bench.NqsRunBench.EvaluatorProcesses(w);
            }),
        new("nqsrun", "`run nqs` with its defaults on the bundled molecules (--molecules): error and wall time",
            (w, o) => Bench.NqsRunBench.Molecules(w, Molecules(o))),
    ];

    private static string[] Molecules(ParsedOptions o)
    {
        var molecules = (o.String("molecules") ?? string.Join(",", BundledMolecules.Names))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var m in molecules)
        {
            if (!BundledMolecules.Names.Contains(m))
            {
                throw new UsageException($"--molecules: unknown molecule '{m}' (bundled: {string.Join(", ", BundledMolecules.Names)})");
            }
        }
        return molecules;
    }

    private static string Describe(Actors.Runtime.JobProgress p)
    {
        var m = p.Metrics;
        if (!m.TryGetValue("energy", out var e))
        {
            return p.Note;
        }
        var error = m.TryGetValue("error", out var d) ? string.Create(CultureInfo.InvariantCulture, $" (error {d * 1e3:F2} mHa)") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"E {e:F6}{error} var {m["variance"]:E1} unique {m["unique"]:F0} s/l/g {m["samplingSeconds"]:F2}/{m["localEnergySeconds"]:F2}/{m["gradientSeconds"]:F2} s");
    }
}
