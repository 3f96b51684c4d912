using System.Globalization;
using Dataflow.Actors.DpTrain;
using Dataflow.Actors.Runtime;
using Dataflow.DpTrain;

namespace Dataflow.Host;

/// <summary><c>dataflow run dp-train</c>: trains a Deep Potential (se_e2_a) on deepmd-kit data.</summary>
internal sealed class DpTrainCommand : WorkloadCommand
{
    private const string UsageText = """
        usage: dataflow run dp-train --data DIR[,DIR] [--holdout DIR[,DIR]] [--steps N] [--seed K] [--batch B]
                                     [--logical-workers W] [--rcut R] [--rcut-smth R] [--sel N,N]
                                     [--neuron A,B,C] [--axis-neuron M] [--fitting-neuron A,B,C] [--float64]
                                     [--start-lr X] [--stop-lr X] [--decay-steps N] [--start-pref-v X]
                                     [--limit-pref-v X] [--model-out FILE] [--plot FILE.png|svg]
                                     [--cluster HOST:PORT] [--json FILE]

        Trains a Deep Potential with the se_e2_a descriptor on labelled frames in deepmd-kit's layout (type.raw,
        type_map.raw, set.*/coord.npy, box.npy, energy.npy, force.npy, virial.npy), data-parallel over W logical
        workers whose gradients are summed in worker order (the same model bits on any number of hosts), and reports
        dp test's figures on the held-out frames (on the training frames without --holdout).

          --data DIR[,DIR]     training systems
          --holdout DIR[,DIR]  held-out systems for the final figures
          --steps N            Adam steps (default 1000)
          --seed K             seed of the initial parameters and the frame order (default 1)
          --batch B            frames per step over all workers (default 2)
          --logical-workers W  logical workers, at most B (default 1)
          --rcut R             cutoff in Angstrom (default 7.0); --rcut-smth R where s(r) starts to fall (5.5)
          --sel N,N            neighbour slots per type (default: the data's largest count + 20 %)
          --neuron A,B,C       embedding net widths (default 8,16,32); --axis-neuron M (default 4)
          --fitting-neuron ... fitting net widths (default 32,32,32)
          --float64            evaluate in double precision (default single)
          --start-lr X         deepmd-kit's start_lr (1e-3); --stop-lr (1e-5), --decay-steps (50)
          --start-pref-v X     virial loss prefactors (default 0 0: no virial term); --limit-pref-v X
          --model-out FILE     the model file to write (default dp-model.dfdp)
          --plot FILE          PNG or SVG of the training loss and the learning rate at every step
          --json FILE          write the result as JSON (energyRmsePerAtom, forceRmse, forceStd, virialRmse, ...)

        example: dataflow run dp-train --data Kernels/Md/Reference/dp-lj-binary/train
                     --holdout Kernels/Md/Reference/dp-lj-binary/holdout --steps 3000 --batch 4 --json dp.json
        """;

    /// <inheritdoc />
    public override string Verb => DpTrainWorkload.Verb;

    /// <inheritdoc />
    public override string Summary => "trains a Deep Potential (se_e2_a) on deepmd-kit data, data-parallel";

    /// <inheritdoc />
    public override string Usage => UsageText;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
        ["data", "holdout", "steps", "seed", "batch", "logical-workers", "rcut", "rcut-smth", "sel", "neuron", "axis-neuron",
         "fitting-neuron", "start-lr", "stop-lr", "decay-steps", "start-pref-v", "limit-pref-v", "model-out"];

    /// <inheritdoc />
    public override IReadOnlyList<string> FlagOptions => ["float64"];

    /// <inheritdoc />
    public override IEnumerable<OutputPath> OutputPaths(ParsedOptions o) => [new OutputPath("model-out", ModelOut(o))];

    /// <inheritdoc />
    public override bool HasPlot => true;

    /// <inheritdoc />
    public override Plot.Chart Plot(JobResult result, Plot.ProgressHistory progress) =>
        Host.Plot.WorkloadCharts.DpTrain(result.As<DpTrainResult>(), progress);

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        try
        {
            return new DpTrainJobBuilder()
                .Data(List(o, "data") is { Length: > 0 } data ? data : throw new UsageException("dp-train: --data DIR is required"))
                .Holdout(List(o, "holdout"))
                .Steps(o.Int("steps", 1000))
                .Seed(o.Long("seed", 1))
                .Model(m => m with
                {
                    CutoffAngstrom = o.Double("rcut", m.CutoffAngstrom),
                    SmoothCutoffAngstrom = o.Double("rcut-smth", m.SmoothCutoffAngstrom),
                    Sel = Ints(o, "sel") ?? m.Sel,
                    EmbeddingNeurons = Ints(o, "neuron") ?? m.EmbeddingNeurons,
                    AxisNeurons = o.Int("axis-neuron", m.AxisNeurons),
                    FittingNeurons = Ints(o, "fitting-neuron") ?? m.FittingNeurons,
                    Float64 = o.Flag("float64"),
                })
                .Settings(s => s with
                {
                    BatchSize = o.Int("batch", s.BatchSize),
                    LogicalWorkers = o.Int("logical-workers", s.LogicalWorkers),
                    StartLearningRate = o.Double("start-lr", s.StartLearningRate),
                    StopLearningRate = o.Double("stop-lr", s.StopLearningRate),
                    DecaySteps = o.Int("decay-steps", s.DecaySteps),
                    StartPrefV = o.Double("start-pref-v", s.StartPrefV),
                    LimitPrefV = o.Double("limit-pref-v", s.LimitPrefV),
                })
                .Output(ModelOut(o))
                .Build();
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid dp-train job: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <inheritdoc />
    public override Action<JobOutput>? Output(ParsedOptions o)
    {
        var path = ModelOut(o);
        return output =>
        {
            if (output.Stream == DpTrainDriver.ModelStream)
            {
                File.WriteAllBytes(path, output.Data);
            }
        };
    }

    /// <inheritdoc />
    public override string ProgressLine(JobProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"loss {p.Metrics.GetValueOrDefault("loss", double.NaN):E3}  lr {p.Metrics.GetValueOrDefault("lr", double.NaN):E2}");

    /// <inheritdoc />
    public override void WriteSummary(JobResult result, ParsedOptions? options, TextWriter output)
    {
        var r = result.As<DpTrainResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload             dp-train (se_e2_a, {r.Parameters} parameters)
            steps                {r.Steps}
            final loss           {r.FinalLoss:E4}
            test frames          {r.TestFrames}
            energy RMSE/atom     {r.EnergyRmsePerAtom:E4} eV
            force RMSE           {r.ForceRmse:E4} eV/A ({r.ForceRmse / r.ForceStd:P2} of the force std {r.ForceStd:E4})
            virial RMSE/atom     {(r.VirialRmse is { } v ? v.ToString("E4", CultureInfo.InvariantCulture) + " eV" : "no virial labels")}
            model sha256         {r.ModelSha256}
            logical workers      {r.LogicalWorkers}
            seconds              {r.Seconds:F2}
            """));
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
    [
        new("dp", "Deep Potential MD atom-steps/s (float32, float64) against lj/cut on the same 256 atoms and one thread",
            (w, o) => Bench.DpBench.Run(w, o.Int("steps", 20), o.String("model"))),
    ];

    private static string ModelOut(ParsedOptions o) => o.String("model-out") ?? "dp-model.dfdp";

    private static string[] List(ParsedOptions o, string name) =>
        o.All(name).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();

    private static int[]? Ints(ParsedOptions o, string name) => o.String(name) is not { } text ? null
        : text.Split(',', StringSplitOptions.TrimEntries).Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw new UsageException($"--{name}: '{v}' is not an integer (expected e.g. 8,16,32)")).ToArray();
}
