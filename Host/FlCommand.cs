using System.Globalization;
using Dataflow.Actors.Runtime;
using Dataflow.Fl;
using Dataflow.Kernels.Fl;

namespace Dataflow.Host;

/// <summary><c>dataflow run fl</c>: federated 3-D segmentation across institute actors with an aggregator (VFDA).</summary>
internal sealed partial class FlCommand : WorkloadCommand
{
    private const string UsageText = """
        usage: dataflow run fl [--institutes N] [--strategy fedavg|fedprox|fedbn|local] [--vfda] [--rounds R]
                               [--local-epochs E] [--data DIR | --sites NAME,... | --synthetic] [--seed K] [--side S] [--channels C]
                               [--train-volumes N] [--test-volumes N] [--batch B] [--lr RATE] [--mu MU]
                               [--intra-op-threads T] [--round-deadline SECONDS] [--plot FILE.png|svg] [--cluster HOST:PORT] [--json FILE] [--quiet]

        Trains a small 3-D U-Net for binary segmentation across institutes that keep their volumes: each institute is an
        actor that trains locally; an aggregator combines the shared weights (Flower's strategies) and asks every
        institute for its held-out Dice after each round. With --vfda the institutes re-normalise their encoder features
        with statistics drawn inside the spread the aggregator measured across institutes (VFDA, arXiv 2310.15371).
        An institute that fails or whose host dies misses the round; the others go on after the round deadline.

          --institutes N        synthetic institutes with different scanners (default 4; --data: one per sub-folder)
          --strategy S          fedavg, fedprox, fedbn (normalisation layers stay local) or local (no federation)
                                (default fedavg)
          --vfda                VFDA feature-statistics augmentation on top of the strategy
          --rounds R            federated rounds (default 10)
          --local-epochs E      passes over its training volumes an institute makes per round (default 1)
          --data DIR            one sub-folder per institute in the Medical Segmentation Decathlon layout
                                (imagesTr/*.nii[.gz], labelsTr/ of the same names), read on the institutes' hosts
          --sites NAME,...      institutes served by hosts started with 'dataflow host --institute NAME --data DIR':
                                each reads its volumes on its own host only (the client needs none)
          --synthetic           synthetic non-iid volumes (the default)
          --seed K              seed of data, initial weights, batch orders and VFDA draws (default 1)
          --side S              volumes are S^3 voxels, a multiple of 4 in [8, 128] (default 16)
          --channels C          channels of the U-Net's first stage (default 8)
          --train-volumes N     synthetic training volumes per institute (default 8)
          --test-volumes N      held-out volumes per institute (default 4)
          --batch B             volumes per local step (default 2)
          --lr RATE             local Adam learning rate (default 3e-3)
          --mu MU               FedProx's proximal weight (default 0.01)
          --intra-op-threads T  libtorch threads per institute (default 1; part of the determinism contract)
          --round-deadline S    seconds the aggregator waits for a round's fit or evaluation (default 600)
          --cluster H:P         run on a running cluster instead of an embedded one
          --plot FILE           PNG or SVG of the Dice (mean and per institute) and the training loss per round
          --json FILE           write the result as JSON

        examples: dataflow run fl --strategy fedbn --vfda --rounds 5 --json fl.json
                  dataflow run fl --data ./sites --strategy fedprox --cluster 127.0.0.1:4053
        """;

    private static readonly Dictionary<string, FlStrategyKind> s_strategies = new()
    {
        ["fedavg"] = FlStrategyKind.FedAvg,
        ["fedprox"] = FlStrategyKind.FedProx,
        ["fedbn"] = FlStrategyKind.FedBN,
        ["local"] = FlStrategyKind.LocalOnly,
    };

    /// <inheritdoc />
    public override string Verb => "fl";

    /// <inheritdoc />
    public override string Summary => "federated 3-D segmentation across institute actors (FedAvg, FedProx, FedBN, VFDA)";

    /// <inheritdoc />
    public override string Usage => UsageText;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions =>
    [
        "institutes", "strategy", "rounds", "local-epochs", "data", "seed", "side", "channels", "train-volumes", "test-volumes",
        "batch", "lr", "mu", "intra-op-threads", "round-deadline", "sites",
    ];

    /// <inheritdoc />
    public override IReadOnlyList<string> FlagOptions => ["vfda", "synthetic"];

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        if (o.String("data") is not null && o.Flag("synthetic"))
        {
            throw new UsageException("--data and --synthetic: give one of them", Usage);
        }
        if (o.String("data") is not null && o.String("institutes") is not null)
        {
            throw new UsageException("--institutes: with --data the institutes are the data folder's sub-folders", Usage);
        }
        var sites = Sites(o);
        var defaults = new FlSettings();
        var builder = Job.Fl()
            .Institutes(o.Int("institutes", defaults.Institutes))
            .Strategy(o.Choice("strategy", s_strategies, FlStrategyKind.FedAvg))
            .Vfda(o.Flag("vfda"))
            .Rounds(o.Int("rounds", defaults.Rounds))
            .LocalEpochs(o.Int("local-epochs", defaults.LocalEpochs))
            .Seed(o.Long("seed", defaults.Seed))
            .RoundDeadline(TimeSpan.FromSeconds(Deadline(o)))
            .Settings(s => s with
            {
                Side = o.Int("side", defaults.Side),
                BaseChannels = o.Int("channels", defaults.BaseChannels),
                TrainVolumes = o.Int("train-volumes", defaults.TrainVolumes),
                TestVolumes = o.Int("test-volumes", defaults.TestVolumes),
                Batch = o.Int("batch", defaults.Batch),
                LearningRate = o.Double("lr", defaults.LearningRate),
                ProximalMu = o.Double("mu", defaults.ProximalMu),
                IntraOpThreads = o.Int("intra-op-threads", defaults.IntraOpThreads),
            });
        if (o.String("data") is { } data)
        {
            builder.Data(data);
        }
        if (sites is not null)
        {
            builder.Sites(sites);
        }
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--data {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid fl job: --{Option(e.ParamName)}: {UsageException.MessageOf(e)}");
        }
    }

    // --sites NAME,...: checked against --data, --synthetic and --institutes, which it replaces.
    private string[]? Sites(ParsedOptions o)
    {
        if (o.String("sites") is not { } text)
        {
            return null;
        }
        foreach (var other in new[] { "data", "institutes" })
        {
            if (o.String(other) is not null)
            {
                throw new UsageException($"--sites and --{other}: the institutes are the sites named", Usage);
            }
        }
        if (o.Flag("synthetic"))
        {
            throw new UsageException("--sites and --synthetic: give one of them", Usage);
        }
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0) || names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new UsageException($"--sites {text}: expected distinct names separated by commas", Usage);
        }
        if (o.String("cluster") is null)
        {
            throw new UsageException("--sites needs --cluster HOST:PORT (the sites' own hosts serve the institutes; an embedded cluster has none)", Usage);
        }
        return names;
    }

    private static double Deadline(ParsedOptions o)
    {
        var seconds = o.Double("round-deadline", 600);
        return seconds > 0 && double.IsFinite(seconds)
            ? seconds
            : throw new UsageException($"--round-deadline {seconds}: expected a positive number of seconds");
    }

    // The option of a settings field named in an ArgumentException.
    private static string Option(string? field) => field switch
    {
        "Institutes" => "institutes",
        "Rounds" => "rounds",
        "LocalEpochs" => "local-epochs",
        "Side" => "side",
        "BaseChannels" => "channels",
        "TrainVolumes" => "train-volumes",
        "TestVolumes" => "test-volumes",
        "Batch" => "batch",
        "LearningRate" => "lr",
        "ProximalMu" => "mu",
        "IntraOpThreads" => "intra-op-threads",
        "Vfda" => "vfda",
        "HostedData" => "sites",
        _ => field ?? "?",
    };

    /// <inheritdoc />
    public override string ProgressLine(JobProgress p) => p.Note;

    /// <inheritdoc />
    public override void WriteSummary(JobResult result, ParsedOptions? options, TextWriter output)
    {
        var r = result.As<FlResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          fl ({r.Strategy}{(r.Vfda ? " + vfda" : "")}, {r.Inputs.Institutes} institutes, data {r.Inputs.Data})
            rounds            {r.Rounds} x {r.Inputs.LocalEpochs} local epochs
            mean Dice         {r.MeanDice:F4}
            """));
        for (var i = 0; i < r.Institutes.Length; i++)
        {
            var dice = r.DicePerInstitute[i] is { } d ? d.ToString("F4", CultureInfo.InvariantCulture) : "did not report";
            output.WriteLine($"  {r.Institutes[i],-15} {dice}");
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            round seconds     mean {r.RoundSeconds.Average():F2}, slowest local epoch mean {r.History.Average(h => h.SlowestLocalSeconds / Math.Max(1, r.Inputs.LocalEpochs)):F2}
            weights sha256    {r.WeightsSha256}
            placement changes {r.PlacementChanges}
            seconds           {r.Seconds:F2}
            """));
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
    [
        new("fl", "fl held-out Dice of local-only, FedAvg, FedProx, FedBN (each with and without VFDA) and centralised, 3 seeds (--steps: rounds, default 6); round time vs the slowest local epoch",
            (w, o) => Bench.FlBench.Run(w, o.Int("steps", 6))),
    ];
}
