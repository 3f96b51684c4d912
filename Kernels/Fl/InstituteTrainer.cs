using System.Diagnostics;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Fl;

/// <summary>An institute's side of federated training: its data, its model and what it keeps to itself (the
/// parameters the strategy does not share, the VFDA statistics), answering fit and evaluate instructions.</summary>
/// <remarks>
/// The result of <see cref="Fit"/> is a function of (instruction, data, what the institute kept, seed) only: the batch
/// order and the VFDA draws come from counter-based streams of (seed, institute, round, epoch). With the same intra-op
/// thread count and CPU type it is the same bits on any host. Not thread-safe: one call at a time, each inside its own
/// dispose scope (TorchSharp's scopes are thread-static).
/// </remarks>
public sealed class InstituteTrainer : IDisposable
{
    private const ulong OrderPurpose = 0xF1_0BDE;
    private readonly FlSettings _settings;
    private readonly int _institute;
    private readonly InstituteData _data;
    private readonly UNet3d _net;
    // The module's parameters, taken once outside any dispose scope and reused by every load and store.
    private readonly (string name, TorchSharp.Modules.Parameter parameter)[] _parameters;
    private readonly VfdaAugmenter _vfda;
    private FlWeights _kept;
    private bool _disposed;

    /// <summary>Creates institute <paramref name="institute"/> with its data (loads libtorch).</summary>
    public InstituteTrainer(FlSettings settings, int institute, InstituteData data)
    {
        settings.Validate();
        _settings = settings;
        _institute = institute;
        _data = data;
        _kept = FlWeights.Initial(settings);
        using var threads = TorchThreads.Enter(settings.IntraOpThreads);
        _net = new UNet3d(settings.BaseChannels);
        _parameters = _net.named_parameters().ToArray();
        _vfda = new VfdaAugmenter(FeatureStatistics.Empty(settings.BaseChannels), settings.VfdaProbability, settings.VfdaMomentum);
    }

    /// <summary>The institute's index.</summary>
    public int Institute => _institute;

    /// <summary>The institute's running VFDA statistics (its own, with the variances that never leave it).</summary>
    public FeatureStatistics Statistics => _vfda.Statistics;

    /// <summary>Trains locally as <paramref name="instruction"/> asks and returns the shared parameters.</summary>
    public FitResult Fit(FitInstruction instruction)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Timed from when this institute has libtorch to itself: the seconds are its own training, not its turn.
        using var threads = TorchThreads.Enter(_settings.IntraOpThreads);
        var sw = Stopwatch.StartNew();
        var config = instruction.Config;
        using var scope = torch.NewDisposeScope();
        _kept.With(instruction.Weights).LoadInto(_parameters);
        var shared = new HashSet<string>(instruction.Weights.Names, StringComparer.Ordinal);

        // The optimisers are loops over flat vectors (Kernels/Train's AdamW with no decay, or plain SGD) rather than
        // torch.optim, whose steps pass .NET numbers as implicit scalars libtorch may read after they were freed
        // (see HeldScalars); FedProx's proximal term mu (w - w_global) is added to the gradient of the shared part.
        var theta = FlWeights.Of(_parameters).Values;
        var anchor = (float[])theta.Clone();
        var proximal = Mask(shared, theta.Length);
        var adam = _settings.Optimizer == FlOptimizer.Adam
            ? new AdamWOptimizer(new TrainSettings(TrainModelKind.Mlp, 1, _settings.Seed, LearningRate: config.LearningRate,
                WeightDecay: 0, WarmupSteps: 0), theta.Length)
            : null;
        _vfda.Inter = config.Variance;
        _vfda.Begin(_settings.Seed, _institute, instruction.Round);
        _net.Augmenter = config.Vfda ? _vfda : null;
        _net.train();
        var lossSum = 0.0;
        var steps = 0;
        for (var epoch = 0; epoch < config.LocalEpochs; epoch++)
        {
            var order = Order(instruction.Round, epoch);
            for (var start = 0; start < order.Length; start += _settings.Batch)
            {
                using var step = torch.NewDisposeScope();
                var batch = order.AsSpan(start, Math.Min(_settings.Batch, order.Length - start)).ToArray();
                var (input, target) = Tensors(_data.Train, batch);
                using var logits = _net.forward(input);
                using var loss = SegmentationLoss(logits, target);
                var gradient = Gradients(loss);
                var lossValue = (double)loss.item<float>();
                if (config.ProximalMu > 0)
                {
                    var squared = 0.0;
                    for (var j = 0; j < theta.Length; j++)
                    {
                        if (proximal[j])
                        {
                            var d = theta[j] - anchor[j];
                            gradient[j] += (float)(config.ProximalMu * d);
                            squared += (double)d * d;
                        }
                    }
                    lossValue += config.ProximalMu / 2 * squared;
                }
                if (adam is not null)
                {
                    adam.Step(theta, gradient);
                }
                else
                {
                    for (var j = 0; j < theta.Length; j++)
                    {
                        theta[j] -= (float)(config.LearningRate * gradient[j]);
                    }
                }
                Load(theta);
                lossSum += lossValue;
                steps++;
            }
        }
        _net.Augmenter = null;
        _kept = FlWeights.Of(_parameters);
        return new FitResult(instruction.Round, _institute, _kept.Where(shared.Contains), _data.Train.Length,
            lossSum / Math.Max(1, steps), config.Vfda ? _vfda.Statistics.Shared() : null, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The mean Dice and loss of these weights (with the institute's own unshared parameters) on its
    /// held-out volumes.</summary>
    public EvaluateResult Evaluate(EvaluateInstruction instruction)
    {
        var (dice, loss) = Measure(instruction.Weights, _data.Test);
        return new EvaluateResult(instruction.Round, _institute, _data.Test.Length, dice, loss);
    }

    /// <summary>The mean Dice and loss of <paramref name="weights"/> (with the kept unshared parameters) on
    /// <paramref name="volumes"/>.</summary>
    public (double Dice, double Loss) Measure(FlWeights weights, IReadOnlyList<Volume> volumes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var threads = TorchThreads.Enter(_settings.IntraOpThreads);
        using var scope = torch.NewDisposeScope();
        _kept.With(weights).LoadInto(_parameters);
        _net.eval();
        double dice = 0, loss = 0;
        using var noGrad = torch.no_grad();
        for (var v = 0; v < volumes.Count; v++)
        {
            using var step = torch.NewDisposeScope();
            var (input, target) = Tensors(volumes, [v]);
            using var logits = _net.forward(input);
            loss += SegmentationLoss(logits, target).item<float>();
            using var flat = logits.reshape(-1);
            var values = flat.data<float>().ToArray();
            var predicted = values.Select(x => x > 0 ? (byte)1 : (byte)0).ToArray();
            dice += Dice.Coefficient(predicted, volumes[v].Label);
        }
        return (dice / volumes.Count, loss / volumes.Count);
    }

    /// <summary>Binary cross-entropy on the logits plus the soft Dice loss 1 - (2 sum(p t) + 1) / (sum p + sum t + 1),
    /// per volume, averaged (Milletari et al., V-Net, arXiv 1606.04797, with +1 smoothing).</summary>
    public static Tensor SegmentationLoss(Tensor logits, Tensor target)
    {
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();
        long[] dims = [1, 2, 3, 4];
        using var bce = nn.functional.binary_cross_entropy_with_logits(logits, target);
        using var p = logits.sigmoid();
        using var pt = p.mul(target);
        using var overlap = pt.sum(dims);
        using var sp = p.sum(dims);
        using var st = target.sum(dims);
        // Every alpha is passed explicitly: Tensor.add(Scalar) would make an implicit alpha Scalar that the garbage
        // collector may free while libtorch reads it (HeldScalars), which turned the loss into garbage or NaN.
        using var doubled = overlap.mul(two);
        using var numerator = doubled.add(one, HeldScalars.One);
        using var sums = sp.add(st, HeldScalars.One);
        using var denominator = sums.add(one, HeldScalars.One);
        using var ratio = numerator.div(denominator);
        using var meanRatio = ratio.mean();
        using var negated = meanRatio.neg();
        using var diceLoss = negated.add(one, HeldScalars.One);
        return bce.add(diceLoss, HeldScalars.One);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _net.Dispose();
    }

    // The gradient of the loss as new tensors (torch.autograd.grad) rather than through the parameters' .grad
    // fields: nothing accumulates between steps and no handle to a parameter's gradient is ever released by us.
    private float[] Gradients(Tensor loss)
    {
        var result = new float[_kept.Values.Length];
        var grads = torch.autograd.grad([loss], _parameters.Select(p => (Tensor)p.parameter).ToArray(), allow_unused: true);
        var offset = 0;
        for (var i = 0; i < _parameters.Length; i++)
        {
            var n = (int)_parameters[i].parameter.numel();
            if (grads[i] is { } g && !g.IsInvalid)
            {
                using var contiguous = g.contiguous();
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(contiguous.bytes).CopyTo(result.AsSpan(offset, n));
            }
            offset += n;
        }
        return result;
    }

    private void Load(float[] theta)
    {
        var offset = 0;
        foreach (var (_, p) in _parameters)
        {
            var n = (int)p.numel();
            theta.AsSpan(offset, n).CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(p.bytes));
            offset += n;
        }
    }

    // Which elements of the flat parameter vector belong to the named parameters.
    private bool[] Mask(HashSet<string> names, int length)
    {
        var mask = new bool[length];
        var offset = 0;
        foreach (var (name, p) in _parameters)
        {
            var n = (int)p.numel();
            if (names.Contains(name))
            {
                mask.AsSpan(offset, n).Fill(true);
            }
            offset += n;
        }
        return mask;
    }

    // A Fisher-Yates shuffle of the training volumes from (seed, institute, round, epoch).
    private int[] Order(int round, int epoch)
    {
        var key = CounterRandom.Key(_settings.Seed, OrderPurpose, _institute, round, epoch);
        var order = Enumerable.Range(0, _data.Train.Length).ToArray();
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = CounterRandom.Below(key, (ulong)i, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static (Tensor Input, Tensor Target) Tensors(IReadOnlyList<Volume> volumes, int[] batch)
    {
        var side = volumes[batch[0]].Side;
        var n = side * side * side;
        var image = new float[batch.Length * n];
        var label = new float[batch.Length * n];
        for (var b = 0; b < batch.Length; b++)
        {
            var v = volumes[batch[b]];
            v.Image.AsSpan().CopyTo(image.AsSpan(b * n));
            for (var i = 0; i < n; i++)
            {
                label[b * n + i] = v.Label[i];
            }
        }
        long[] shape = [batch.Length, 1, side, side, side];
        return (FlTensors.Copy(image, shape), FlTensors.Copy(label, shape));
    }
}
