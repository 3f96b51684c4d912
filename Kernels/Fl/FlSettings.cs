using MessagePack;

namespace Dataflow.Kernels.Fl;

/// <summary>How the server combines the institutes' models (Flower's strategies of the same names).</summary>
public enum FlStrategyKind
{
    /// <summary>Federated averaging (McMahan et al., arXiv 1602.05629): every parameter averaged by sample count.</summary>
    FedAvg,

    /// <summary>FedAvg with a proximal term mu/2 |w - w_global|^2 in the local loss (Li et al., arXiv 1812.06127).</summary>
    FedProx,

    /// <summary>FedAvg of everything but the normalisation layers, which stay at their institute (Li et al., arXiv 2102.07623).</summary>
    FedBN,

    /// <summary>No federation: every institute trains alone (the lower reference).</summary>
    LocalOnly,
}

/// <summary>Everything that fixes the result of a federated segmentation run: institutes and their data, the
/// network, the strategy, the local optimiser and the VFDA augmentation.</summary>
/// <param name="Institutes">Participating institutes (each a synthetic site, or a folder of <see cref="DataDirectory"/>).</param>
/// <param name="Strategy">Aggregation strategy.</param>
/// <param name="Vfda">Vicinal feature-statistics augmentation on top of the strategy (You et al., arXiv 2310.15371).</param>
/// <param name="Rounds">Federated rounds.</param>
/// <param name="LocalEpochs">Passes over its training volumes an institute makes per round.</param>
/// <param name="Seed">Seed of the synthetic data, the initial weights, the batch orders and the VFDA draws.</param>
/// <param name="Side">Volumes are Side^3 voxels (a multiple of 4: the U-Net pools twice).</param>
/// <param name="BaseChannels">Channels of the U-Net's first stage (doubled per stage).</param>
/// <param name="TrainVolumes">Synthetic training volumes per institute.</param>
/// <param name="TestVolumes">Synthetic held-out volumes per institute (the Dice is measured on them).</param>
/// <param name="Batch">Volumes per local optimiser step.</param>
/// <param name="LearningRate">Local Adam learning rate.</param>
/// <param name="ProximalMu">FedProx's mu (used by <see cref="FlStrategyKind.FedProx"/> only).</param>
/// <param name="VfdaProbability">Probability that a training volume's encoder features are re-normalised.</param>
/// <param name="VfdaMomentum">Momentum of the institutes' running feature statistics.</param>
/// <param name="IntraOpThreads">libtorch intra-op threads; results are bitwise reproducible for a fixed count.</param>
/// <param name="DataDirectory">A folder with one sub-folder per institute, each in the Medical Segmentation Decathlon
/// layout (<c>imagesTr/*.nii[.gz]</c>, <c>labelsTr/</c> of the same names), read on the institute's host; null: synthetic.</param>
/// <param name="InstituteNames">The institutes' names (the sub-folders of <see cref="DataDirectory"/>); null: <c>site-0</c>...</param>
/// <param name="Optimizer">The local optimiser.</param>
/// <param name="HostedData">The institutes' volumes exist only on the hosts that serve them (<c>dataflow host --institute
/// NAME --data DIR</c>): each institute of <see cref="InstituteNames"/> runs on its host alone, and reads its volumes there.</param>
[MessagePackObject]
public sealed record FlSettings(
    [property: Key(0)] int Institutes = 4,
    [property: Key(1)] FlStrategyKind Strategy = FlStrategyKind.FedAvg,
    [property: Key(2)] bool Vfda = false,
    [property: Key(3)] int Rounds = 10,
    [property: Key(4)] int LocalEpochs = 1,
    [property: Key(5)] long Seed = 1,
    [property: Key(6)] int Side = 16,
    [property: Key(7)] int BaseChannels = 8,
    [property: Key(8)] int TrainVolumes = 8,
    [property: Key(9)] int TestVolumes = 4,
    [property: Key(10)] int Batch = 2,
    [property: Key(11)] double LearningRate = 3e-3,
    [property: Key(12)] double ProximalMu = 0.01,
    [property: Key(13)] double VfdaProbability = 0.5,
    [property: Key(14)] double VfdaMomentum = 0.9,
    [property: Key(15)] int IntraOpThreads = 1,
    [property: Key(16)] string? DataDirectory = null,
    [property: Key(17)] string[]? InstituteNames = null,
    [property: Key(18)] FlOptimizer Optimizer = FlOptimizer.Adam,
    [property: Key(19)] bool HostedData = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Check(Institutes >= 1, nameof(Institutes), $"must be at least 1 (got {Institutes})");
        Check(Rounds >= 1, nameof(Rounds), $"must be at least 1 (got {Rounds})");
        Check(LocalEpochs >= 1, nameof(LocalEpochs), $"must be at least 1 (got {LocalEpochs})");
        Check(Side >= 8 && Side <= 128 && Side % 4 == 0, nameof(Side), $"must be a multiple of 4 in [8, 128] (got {Side})");
        Check(BaseChannels >= 1 && BaseChannels <= 64, nameof(BaseChannels), $"must be in [1, 64] (got {BaseChannels})");
        Check(TrainVolumes >= 1, nameof(TrainVolumes), $"must be at least 1 (got {TrainVolumes})");
        Check(TestVolumes >= 1, nameof(TestVolumes), $"must be at least 1 (got {TestVolumes})");
        Check(Batch >= 1, nameof(Batch), $"must be at least 1 (got {Batch})");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), $"must be positive (got {LearningRate})");
        Check(ProximalMu >= 0 && double.IsFinite(ProximalMu), nameof(ProximalMu), $"must be at least 0 (got {ProximalMu})");
        Check(VfdaProbability is >= 0 and <= 1, nameof(VfdaProbability), $"must be in [0, 1] (got {VfdaProbability})");
        Check(VfdaMomentum is >= 0 and < 1, nameof(VfdaMomentum), $"must be in [0, 1) (got {VfdaMomentum})");
        Check(IntraOpThreads >= 1, nameof(IntraOpThreads), $"must be at least 1 (got {IntraOpThreads})");
        Check(Vfda is false || Strategy != FlStrategyKind.LocalOnly, nameof(Vfda), "needs a federated strategy (its variance is computed across institutes)");
        Check(!HostedData || (InstituteNames is not null && DataDirectory is null), nameof(HostedData),
            "needs the institutes' names and no data directory (the volumes are on the institutes' hosts)");
        if (InstituteNames is { } names)
        {
            Check(names.Length == Institutes, nameof(InstituteNames), $"has {names.Length} names for {Institutes} institutes");
            Check(names.Distinct(StringComparer.Ordinal).Count() == names.Length, nameof(InstituteNames), "must be distinct");
        }
    }

    /// <summary>The name of institute <paramref name="institute"/>.</summary>
    public string InstituteName(int institute) => InstituteNames?[institute] ?? $"site-{institute}";

    private static void Check(bool ok, string field, string message)
    {
        if (!ok)
        {
            throw new ArgumentException($"{char.ToLowerInvariant(field[0])}{field[1..]} {message}", field);
        }
    }
}

/// <summary>The institutes' local optimiser.</summary>
public enum FlOptimizer
{
    /// <summary>Adam (torch.optim.Adam), fresh every round, as Flower's examples do.</summary>
    Adam,

    /// <summary>Plain SGD without momentum: FedAvg of one step is then exactly SGD on the union.</summary>
    Sgd,
}
