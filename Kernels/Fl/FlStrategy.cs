namespace Dataflow.Kernels.Fl;

/// <summary>How the server runs a federated round, in the shape of Flower's <c>Strategy</c>: which institutes get
/// which weights and configuration, how their results become the next global model, and how their evaluations
/// combine.</summary>
/// <remarks>Results are combined in institute order whatever order they arrived in, so a round's outcome depends only
/// on which institutes took part.</remarks>
public interface IFlStrategy
{
    /// <summary>The strategy's name (<c>fedavg</c>, <c>fedprox</c>, <c>fedbn</c>, <c>local</c>, with <c>+vfda</c>).</summary>
    string Name { get; }

    /// <summary>The training instructions of round <paramref name="round"/> for <paramref name="institutes"/>.</summary>
    IReadOnlyList<FitInstruction> ConfigureFit(int round, FlWeights global, IReadOnlyList<int> institutes);

    /// <summary>The next global weights from the results of the institutes that reported.</summary>
    FlWeights AggregateFit(int round, FlWeights global, IReadOnlyList<FitResult> results);

    /// <summary>The evaluation instructions for <paramref name="institutes"/> after round <paramref name="round"/>.</summary>
    IReadOnlyList<EvaluateInstruction> ConfigureEvaluate(int round, FlWeights global, IReadOnlyList<int> institutes);

    /// <summary>The round's Dice per institute and their mean.</summary>
    EvaluateSummary AggregateEvaluate(int round, IReadOnlyList<EvaluateResult> results);
}

/// <summary>Federated averaging (McMahan et al., arXiv 1602.05629): every shared parameter is the sample-weighted mean
/// of the institutes' (summed in double, in institute order).</summary>
public class FedAvg(FlSettings settings) : IFlStrategy
{
    /// <summary>The run's settings.</summary>
    protected FlSettings Settings { get; } = settings;

    /// <inheritdoc />
    public virtual string Name => "fedavg";

    /// <summary>Whether parameter <paramref name="name"/> is sent to and averaged from the institutes.</summary>
    public virtual bool Shares(string name) => true;

    /// <summary>The local training every institute is asked for.</summary>
    protected virtual FitConfig Config(int round) =>
        new(Settings.LocalEpochs, Settings.LearningRate, ProximalMu: 0, Vfda: false, Variance: null);

    /// <inheritdoc />
    public virtual IReadOnlyList<FitInstruction> ConfigureFit(int round, FlWeights global, IReadOnlyList<int> institutes)
    {
        var shared = global.Where(Shares);
        var config = Config(round);
        return institutes.Select(i => new FitInstruction(round, i, shared, config)).ToArray();
    }

    /// <inheritdoc />
    public virtual FlWeights AggregateFit(int round, FlWeights global, IReadOnlyList<FitResult> results)
    {
        if (results.Count == 0)
        {
            return global;
        }
        var ordered = results.OrderBy(r => r.Institute).ToArray();
        var length = ordered[0].Weights.Values.Length;
        var sum = new double[length];
        double total = 0;
        foreach (var r in ordered)
        {
            if (r.Weights.Values.Length != length || !r.Weights.Names.SequenceEqual(ordered[0].Weights.Names))
            {
                throw new ArgumentException($"institute {r.Institute} returned other parameters than institute {ordered[0].Institute}");
            }
            var values = r.Weights.Values;
            for (var j = 0; j < length; j++)
            {
                sum[j] += (double)r.Samples * values[j];
            }
            total += r.Samples;
        }
        var mean = new float[length];
        for (var j = 0; j < length; j++)
        {
            mean[j] = (float)(sum[j] / total);
        }
        return global.With(ordered[0].Weights with { Values = mean });
    }

    /// <inheritdoc />
    public virtual IReadOnlyList<EvaluateInstruction> ConfigureEvaluate(int round, FlWeights global, IReadOnlyList<int> institutes)
    {
        var shared = global.Where(Shares);
        return institutes.Select(i => new EvaluateInstruction(round, i, shared)).ToArray();
    }

    /// <inheritdoc />
    public virtual EvaluateSummary AggregateEvaluate(int round, IReadOnlyList<EvaluateResult> results)
    {
        var dice = Enumerable.Repeat(double.NaN, Settings.Institutes).ToArray();
        foreach (var r in results)
        {
            dice[r.Institute] = r.Dice;
        }
        var reported = dice.Where(d => !double.IsNaN(d)).ToArray();
        return new EvaluateSummary(reported.Length == 0 ? double.NaN : reported.Average(), dice);
    }
}

/// <summary>FedProx (Li et al., arXiv 1812.06127): FedAvg whose institutes add mu/2 |w - w_global|^2 to their loss.</summary>
public sealed class FedProx(FlSettings settings) : FedAvg(settings)
{
    /// <inheritdoc />
    public override string Name => "fedprox";

    /// <inheritdoc />
    protected override FitConfig Config(int round) => base.Config(round) with { ProximalMu = Settings.ProximalMu };
}

/// <summary>FedBN (Li et al., arXiv 2102.07623): FedAvg of every parameter but the normalisation layers', which never
/// leave their institute.</summary>
public sealed class FedBN(FlSettings settings) : FedAvg(settings)
{
    /// <inheritdoc />
    public override string Name => "fedbn";

    /// <inheritdoc />
    public override bool Shares(string name) => !FlWeights.IsNormalisation(name);
}

/// <summary>No federation: nothing is shared, every institute trains and is evaluated on its own model.</summary>
public sealed class LocalOnly(FlSettings settings) : FedAvg(settings)
{
    /// <inheritdoc />
    public override string Name => "local";

    /// <inheritdoc />
    public override bool Shares(string name) => false;

    /// <inheritdoc />
    public override FlWeights AggregateFit(int round, FlWeights global, IReadOnlyList<FitResult> results) => global;
}

/// <summary>VFDA on top of any strategy: the institutes' running feature means come back with their results, the
/// server computes their variance across institutes, and the next round's instructions carry it for the institutes'
/// re-normalisation.</summary>
public sealed class Vfda(IFlStrategy inner) : IFlStrategy
{
    /// <summary>The server's inter-institute variance from the latest round, or null before the first.</summary>
    public FeatureVariance? Variance { get; set; }

    /// <inheritdoc />
    public string Name => inner.Name + "+vfda";

    /// <inheritdoc />
    public IReadOnlyList<FitInstruction> ConfigureFit(int round, FlWeights global, IReadOnlyList<int> institutes) =>
        inner.ConfigureFit(round, global, institutes)
            .Select(f => f with { Config = f.Config with { Vfda = true, Variance = Variance } })
            .ToArray();

    /// <inheritdoc />
    public FlWeights AggregateFit(int round, FlWeights global, IReadOnlyList<FitResult> results)
    {
        var statistics = results.OrderBy(r => r.Institute)
            .Where(r => r.Statistics is not null)
            .Select(r => (r.Statistics!, (long)r.Samples))
            .ToArray();
        // One institute alone has no spread across institutes: keep the last variance.
        if (statistics.Length >= 2)
        {
            Variance = FeatureVariance.Across(statistics);
        }
        return inner.AggregateFit(round, global, results);
    }

    /// <inheritdoc />
    public IReadOnlyList<EvaluateInstruction> ConfigureEvaluate(int round, FlWeights global, IReadOnlyList<int> institutes) =>
        inner.ConfigureEvaluate(round, global, institutes);

    /// <inheritdoc />
    public EvaluateSummary AggregateEvaluate(int round, IReadOnlyList<EvaluateResult> results) =>
        inner.AggregateEvaluate(round, results);
}

/// <summary>The strategy a run's settings name.</summary>
public static class FlStrategies
{
    /// <summary>The strategy of <paramref name="settings"/>, wrapped in <see cref="Vfda"/> when it asks for VFDA.</summary>
    public static IFlStrategy Create(FlSettings settings)
    {
        IFlStrategy strategy = settings.Strategy switch
        {
            FlStrategyKind.FedAvg => new FedAvg(settings),
            FlStrategyKind.FedProx => new FedProx(settings),
            FlStrategyKind.FedBN => new FedBN(settings),
            FlStrategyKind.LocalOnly => new LocalOnly(settings),
            _ => throw new ArgumentException($"unknown strategy {settings.Strategy}", nameof(settings)),
        };
        return settings.Vfda ? new Vfda(strategy) : strategy;
    }
}
