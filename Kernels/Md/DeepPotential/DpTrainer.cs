using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>Figures of a model on labelled frames, as deepmd-kit's <c>dp test</c> reports them.</summary>
/// <param name="EnergyRmsePerAtom">RMS over frames of (E - E_ref)/N, eV/atom.</param>
/// <param name="ForceRmse">RMS over all force components of F - F_ref, eV/Angstrom.</param>
/// <param name="ForceStd">Standard deviation of the reference force components, eV/Angstrom.</param>
/// <param name="VirialRmse">RMS over frames and the 9 components of (W - W_ref)/N, eV/atom; null without virial labels.</param>
/// <param name="Frames">Frames tested.</param>
public sealed record DpMetrics(double EnergyRmsePerAtom, double ForceRmse, double ForceStd, double? VirialRmse, int Frames);

/// <summary>Data-parallel training of a Deep Potential with deepmd-kit's energy loss and learning-rate schedule.</summary>
/// <remarks>
/// <para>Loss of a frame (deepmd-kit's <c>ener</c> loss): p_e (dE/N)^2 + p_f |dF|^2 / (3N) + p_v |dW|^2 / (9 N^2),
/// each prefactor moving from its start to its limit value in proportion to lr_t / start_lr
/// (<see cref="DpTrainSettings.Prefactor"/>); the step's loss is the mean over its batch.</para>
/// <para>Step t's batch is positions [tB, (t+1)B) of a sequence of epochs, each a permutation of all training frames
/// drawn from (seed, epoch); logical worker w takes batch positions w, w + W, ... and returns the gradient of its
/// share of the mean. The shares are summed in worker order and Adam (in double, one loop in index order) steps the
/// flat parameter vector: the same bits wherever the workers ran, for a fixed intra-op thread count.</para>
/// <para>Before training, the environment statistics (avg, std per centre type) are taken from all training frames
/// and the energy bias per type from a least-squares fit of the frame energies to the type counts, as deepmd-kit does.</para>
/// </remarks>
public sealed class DpTrainer : IDisposable
{
    private readonly DpTrainSettings _settings;
    private readonly List<(DeepmdSystem System, int[] Types, DpNeighborList[] Lists)> _data = [];
    private readonly Dictionary<long, int[]> _epochs = [];
    private readonly (int System, int Frame)[] _frames;

    /// <summary>Prepares training on <paramref name="systems"/>: neighbour lists, statistics and the initial model.</summary>
    /// <exception cref="ArgumentException">A system has an element the model's type map lacks.</exception>
    public DpTrainer(DpTrainSettings settings, IReadOnlyList<DeepmdSystem> systems)
    {
        settings.Validate();
        if (systems.Count == 0 || systems.Any(s => s.Frames.Count == 0))
        {
            throw new ArgumentException("training needs at least one system with frames", nameof(systems));
        }
        _settings = settings;
        var model = settings.Model;
        foreach (var system in systems)
        {
            var types = MapTypes(system, model.TypeMap);
            var lists = system.Frames.Select(f => DpNeighborList.Build(f.Frame.Positions, types, f.Frame.Box, model.CutoffAngstrom, model.Sel)).ToArray();
            _data.Add((system, types, lists));
        }
        _frames = _data.SelectMany((d, s) => Enumerable.Range(0, d.System.Frames.Count).Select(f => (s, f))).ToArray();
        Model = new DeepPotentialModel(model, settings.Seed) { Stats = ComputeStatistics() };
        InitialParameters = Model.Parameters;
    }

    /// <summary>The model being trained; its parameters are those last set.</summary>
    public DeepPotentialModel Model { get; }

    /// <summary>The parameters at step 0.</summary>
    public double[] InitialParameters { get; }

    /// <summary>Neighbours dropped over the training frames because a type exceeded its sel.</summary>
    public int Overflow => _data.Sum(d => d.Lists.Sum(l => l.Overflow));

    /// <summary>The largest neighbour count of each type within <paramref name="cutoff"/> over all frames, per element
    /// of <paramref name="typeMap"/>: the smallest sel that drops nothing.</summary>
    public static int[] MaxNeighbors(IReadOnlyList<DeepmdSystem> systems, string[] typeMap, double cutoff)
    {
        var max = new int[typeMap.Length];
        foreach (var system in systems)
        {
            var types = MapTypes(system, typeMap);
            foreach (var frame in system.Frames)
            {
                var counts = DpNeighborList.MaxCounts(frame.Frame.Positions, types, frame.Frame.Box, cutoff, typeMap.Length);
                for (var t = 0; t < max.Length; t++)
                {
                    max[t] = Math.Max(max[t], counts[t]);
                }
            }
        }
        return max;
    }

    /// <summary>The type indices of <paramref name="system"/>'s atoms in <paramref name="typeMap"/>.</summary>
    public static int[] MapTypes(DeepmdSystem system, string[] typeMap) => system.Types.Select(t =>
    {
        var index = Array.IndexOf(typeMap, system.TypeMap[t]);
        return index >= 0 ? index : throw new ArgumentException($"{system.Name}: element {system.TypeMap[t]} is not in the model's type map ({string.Join(" ", typeMap)})");
    }).ToArray();

    /// <summary>The frames (system, frame) of logical worker <paramref name="worker"/> at step <paramref name="step"/>.</summary>
    public IReadOnlyList<(int System, int Frame)> FramesOf(long step, int worker)
    {
        var list = new List<(int, int)>();
        for (var k = worker; k < _settings.BatchSize; k += _settings.LogicalWorkers)
        {
            var position = step * _settings.BatchSize + k;
            var epoch = position / _frames.Length;
            list.Add(_frames[Permutation(epoch)[position % _frames.Length]]);
        }
        return list;
    }

    /// <summary>The gradient of logical worker <paramref name="worker"/>'s share of step <paramref name="step"/>'s loss
    /// at <paramref name="parameters"/>, and that share of the loss.</summary>
    public (double[] Gradient, double Loss) WorkerGradient(long step, int worker, double[] parameters)
    {
        TorchRuntime.EnsureLoaded(_settings.IntraOpThreads);
        using var scope = torch.NewDisposeScope();
        Model.Parameters = parameters;
        var lr = _settings.LearningRate(step);
        var pe = DpTrainSettings.Prefactor(_settings.StartPrefE, _settings.LimitPrefE, lr, _settings.StartLearningRate);
        var pf = DpTrainSettings.Prefactor(_settings.StartPrefF, _settings.LimitPrefF, lr, _settings.StartLearningRate);
        var pv = DpTrainSettings.Prefactor(_settings.StartPrefV, _settings.LimitPrefV, lr, _settings.StartLearningRate);
        Tensor? total = null;
        foreach (var group in FramesOf(step, worker).GroupBy(f => f.System).OrderBy(g => g.Key))
        {
            var (system, types, lists) = _data[group.Key];
            var frames = group.Select(f => system.Frames[f.Frame]).ToArray();
            var n = types.Length;
            using var batch = DpBatch.Create(Model, frames.Select(f => f.Frame).ToArray(), types, group.Select(f => lists[f.Frame]).ToArray());
            var (energy, forces, virial) = Model.Forward(batch, createGraph: true);
            var b = frames.Length;
            var eRef = Labels(frames.Select(f => f.Energy).ToArray(), [b]);
            var fRef = Labels(frames.SelectMany(f => f.Forces).ToArray(), [b, n, 3]);
            var dE = energy.sub(eRef);
            var dF = forces.sub(fRef);
            var loss = dE.mul(dE).sum().mul(Model.Const(pe / ((double)n * n)));
            loss = loss.add(dF.mul(dF).sum().mul(Model.Const(pf / (3.0 * n))), HeldScalars.One);
            if (pv > 0 && frames.All(f => f.Virial is not null))
            {
                var wRef = Labels(frames.SelectMany(f => f.Virial!).ToArray(), [b, 3, 3]);
                var dW = virial.sub(wRef);
                loss = loss.add(dW.mul(dW).sum().mul(Model.Const(pv / (9.0 * n * n))), HeldScalars.One);
            }
            total = total is null ? loss : total.add(loss, HeldScalars.One);
        }
        var mean = total!.div(Model.Const(_settings.BatchSize));
        var gradient = Model.Gradient(mean);
        return (gradient, mean.to(ScalarType.Float64).item<double>());
    }

    /// <summary>Trains in this process, every logical worker in turn, with the same sums as the distributed job.</summary>
    /// <param name="progress">Called after each step with the step count and the step's loss.</param>
    /// <returns>The trained parameters (also left in <see cref="Model"/>).</returns>
    public double[] Train(Action<long, double>? progress = null)
    {
        var parameters = InitialParameters.ToArray();
        var adam = new DpAdam(parameters.Length);
        for (long step = 0; step < _settings.Steps; step++)
        {
            var (gradient, loss) = StepGradient(step, parameters);
            adam.Step(parameters, gradient, _settings.LearningRate(step));
            progress?.Invoke(step + 1, loss);
        }
        Model.Parameters = parameters;
        return parameters;
    }

    /// <summary>All logical workers' gradients of a step summed in worker order, and the step's loss.</summary>
    public (double[] Gradient, double Loss) StepGradient(long step, double[] parameters)
    {
        var sum = new double[parameters.Length];
        var loss = 0.0;
        for (var w = 0; w < _settings.LogicalWorkers; w++)
        {
            var (g, l) = WorkerGradient(step, w, parameters);
            Accumulate(sum, g);
            loss += l;
        }
        return (sum, loss);
    }

    /// <summary>sum += g, element by element in index order.</summary>
    public static void Accumulate(double[] sum, double[] g)
    {
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] += g[i];
        }
    }

    /// <summary>dp-test figures of <paramref name="model"/> on <paramref name="systems"/>.</summary>
    public static DpMetrics Test(DeepPotentialModel model, IReadOnlyList<DeepmdSystem> systems)
    {
        double e2 = 0, f2 = 0, fSum = 0, fSq = 0, w2 = 0;
        long forceCount = 0;
        var frames = 0;
        var virial = systems.All(s => s.HasVirial);
        foreach (var system in systems)
        {
            var types = MapTypes(system, model.Settings.TypeMap);
            var n = types.Length;
            foreach (var frame in system.Frames)
            {
                var result = model.Evaluate(frame.Frame, types);
                e2 += Math.Pow((result.Energy - frame.Energy) / n, 2);
                for (var c = 0; c < frame.Forces.Length; c++)
                {
                    f2 += Math.Pow(result.Forces[c] - frame.Forces[c], 2);
                    fSum += frame.Forces[c];
                    fSq += frame.Forces[c] * frame.Forces[c];
                }
                forceCount += frame.Forces.Length;
                if (virial)
                {
                    for (var c = 0; c < 9; c++)
                    {
                        w2 += Math.Pow((result.Virial[c] - frame.Virial![c]) / n, 2);
                    }
                }
                frames++;
            }
        }
        var mean = fSum / forceCount;
        return new DpMetrics(Math.Sqrt(e2 / frames), Math.Sqrt(f2 / forceCount), Math.Sqrt(fSq / forceCount - mean * mean),
            virial ? Math.Sqrt(w2 / (9.0 * frames)) : null, frames);
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    private Tensor Labels(double[] values, long[] shape)
    {
        var t = torch.tensor(values, shape, ScalarType.Float64);
        return Model.DType == ScalarType.Float64 ? t : t.to(Model.DType);
    }

    private int[] Permutation(long epoch)
    {
        if (!_epochs.TryGetValue(epoch, out var order))
        {
            order = Enumerable.Range(0, _frames.Length).ToArray();
            var key = CounterRandom.Key(_settings.Seed, 0xD0, epoch);
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = CounterRandom.Below(key, (ulong)i, i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            _epochs[epoch] = order;
        }
        return order;
    }

    // deepmd-kit's input statistics: per centre type, the mean of the s column over every slot of its atoms' rows
    // (padding included), its standard deviation, and one deviation shared by the x, y, z columns (their mean is
    // taken as zero); deviations below 0.01 are raised to 0.01. Energy bias: least squares of frame energies on type
    // counts (a ridge of 1e-8 of the normal matrix's trace picks the minimum-norm solution when compositions repeat).
    private DeepPotentialModel.Statistics ComputeStatistics()
    {
        var s = _settings.Model;
        var types = s.TypeCount;
        var sum = new double[types];
        var sumSq = new double[types];
        var sumXyz = new double[types];
        var count = new double[types];
        var normal = new double[types * types];
        var rhs = new double[types];
        foreach (var (system, typeOf, lists) in _data)
        {
            var counts = new double[types];
            foreach (var t in typeOf)
            {
                counts[t]++;
            }
            for (var f = 0; f < system.Frames.Count; f++)
            {
                var frame = system.Frames[f].Frame;
                var list = lists[f];
                for (var i = 0; i < list.Atoms; i++)
                {
                    var t = typeOf[i];
                    for (var k = 0; k < list.Rows; k++)
                    {
                        var slot = i * list.Rows + k;
                        count[t]++;
                        if (list.Mask[slot] == 0)
                        {
                            continue;
                        }
                        var j = list.Index[slot];
                        double x = frame.Positions[3 * j] + list.Shift[3 * slot] - frame.Positions[3 * i];
                        double y = frame.Positions[3 * j + 1] + list.Shift[3 * slot + 1] - frame.Positions[3 * i + 1];
                        double z = frame.Positions[3 * j + 2] + list.Shift[3 * slot + 2] - frame.Positions[3 * i + 2];
                        var r = Math.Sqrt(x * x + y * y + z * z);
                        var sr = SmoothSwitch.Value(r, s.SmoothCutoffAngstrom, s.CutoffAngstrom);
                        sum[t] += sr;
                        sumSq[t] += sr * sr;
                        sumXyz[t] += sr * sr;
                    }
                }
                for (var a = 0; a < types; a++)
                {
                    rhs[a] += counts[a] * system.Frames[f].Energy;
                    for (var b = 0; b < types; b++)
                    {
                        normal[a * types + b] += counts[a] * counts[b];
                    }
                }
            }
        }
        var average = new double[4 * types];
        var deviation = new double[4 * types];
        for (var t = 0; t < types; t++)
        {
            var mean = count[t] > 0 ? sum[t] / count[t] : 0;
            var std = count[t] > 0 ? Math.Sqrt(Math.Max(sumSq[t] / count[t] - mean * mean, 0)) : 1;
            // (x/r)^2 + (y/r)^2 + (z/r)^2 = 1: each of the three columns carries s^2 / 3 on average.
            var stdXyz = count[t] > 0 ? Math.Sqrt(sumXyz[t] / (3 * count[t])) : 1;
            average[4 * t] = mean;
            deviation[4 * t] = Math.Max(std, 1e-2);
            for (var c = 1; c < 4; c++)
            {
                deviation[4 * t + c] = Math.Max(stdXyz, 1e-2);
            }
        }
        var trace = Enumerable.Range(0, types).Sum(t => normal[t * types + t]);
        for (var t = 0; t < types; t++)
        {
            normal[t * types + t] += 1e-8 * trace;
        }
        return new DeepPotentialModel.Statistics(average, deviation, Solve(normal, rhs, types));
    }

    // Gaussian elimination with partial pivoting of a small dense system.
    private static double[] Solve(double[] a, double[] b, int n)
    {
        var m = (double[])a.Clone();
        var x = (double[])b.Clone();
        for (var c = 0; c < n; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < n; r++)
            {
                if (Math.Abs(m[r * n + c]) > Math.Abs(m[pivot * n + c]))
                {
                    pivot = r;
                }
            }
            for (var k = 0; k < n; k++)
            {
                (m[c * n + k], m[pivot * n + k]) = (m[pivot * n + k], m[c * n + k]);
            }
            (x[c], x[pivot]) = (x[pivot], x[c]);
            if (m[c * n + c] == 0)
            {
                continue;
            }
            for (var r = c + 1; r < n; r++)
            {
                var factor = m[r * n + c] / m[c * n + c];
                for (var k = c; k < n; k++)
                {
                    m[r * n + k] -= factor * m[c * n + k];
                }
                x[r] -= factor * x[c];
            }
        }
        for (var c = n - 1; c >= 0; c--)
        {
            var v = x[c];
            for (var k = c + 1; k < n; k++)
            {
                v -= m[c * n + k] * x[k];
            }
            x[c] = m[c * n + c] == 0 ? 0 : v / m[c * n + c];
        }
        return x;
    }
}

/// <summary>Adam (Kingma &amp; Ba, arXiv 1412.6980, algorithm 1) on a flat vector of doubles, one loop in index order,
/// as deepmd-kit trains with (beta1 0.9, beta2 0.999, eps 1e-8).</summary>
public sealed class DpAdam(double[] m, double[] v, long step)
{
    /// <summary>Fresh moments.</summary>
    public DpAdam(int count) : this(new double[count], new double[count], 0)
    {
    }

    /// <summary>First moments.</summary>
    public double[] M { get; } = m;

    /// <summary>Second moments.</summary>
    public double[] V { get; } = v;

    /// <summary>Steps taken.</summary>
    public long StepCount { get; private set; } = step;

    /// <summary>One step of <paramref name="parameters"/> along <paramref name="gradient"/> at rate <paramref name="lr"/>.</summary>
    public void Step(double[] parameters, double[] gradient, double lr)
    {
        StepCount++;
        var c1 = 1 - Math.Pow(0.9, StepCount);
        var c2 = 1 - Math.Pow(0.999, StepCount);
        for (var i = 0; i < parameters.Length; i++)
        {
            M[i] = 0.9 * M[i] + 0.1 * gradient[i];
            V[i] = 0.999 * V[i] + 0.001 * gradient[i] * gradient[i];
            parameters[i] -= lr * (M[i] / c1) / (Math.Sqrt(V[i] / c2) + 1e-8);
        }
    }
}
