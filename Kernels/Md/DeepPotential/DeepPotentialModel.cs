using System.Security.Cryptography;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>A Deep Potential with the se_e2_a descriptor (Zhang et al., NeurIPS 2018, arXiv 1805.09003; deepmd-kit's
/// <c>se_e2_a</c> with <c>type_one_side</c>): energy, forces and virial of frames, in libtorch.</summary>
/// <remarks>
/// <para>Per atom i: the environment matrix R_i (Nc x 4) has one row s(r)(1, x/r, y/r, z/r) per neighbour slot
/// (<see cref="SmoothSwitch"/>; s already holds 1/r), normalised by the centre type's statistics as deepmd-kit does
/// ((R - avg)/std, avg zero for x, y, z). The embedding net of the neighbour's type maps the first column to G
/// (Nc x M1); the descriptor is D = (G^T R)(R^T G&lt;) / Nc^2 with G&lt; the first M2 columns of G (M1 x M2). The
/// fitting net of the centre's type maps D to the atomic energy, plus the type's energy bias; E is their sum.</para>
/// <para>Both nets are deepmd-kit's: tanh layers, a layer whose width equals its input's adds the input (ResNet), an
/// embedding layer of twice its input's width adds the input concatenated with itself; no timestep (resnet_dt false).</para>
/// <para>Forces are -dE/dx and the virial -dE/d(strain) by libtorch autograd: every neighbour vector is multiplied by
/// (I + strain) at strain 0, so one backward pass gives both exactly.</para>
/// <para>Parameters live in one flat vector of doubles (<see cref="Parameters"/>), the unit the trainer's gradient
/// sums and optimiser work on; libtorch evaluates in <see cref="DeepPotentialSettings.Float64"/>'s precision.</para>
/// </remarks>
public sealed class DeepPotentialModel : IDisposable
{
    private readonly List<Tensor> _tensors = [];
    private readonly (string Name, long[] Shape)[] _layout;
    private readonly ScalarType _dtype;

    /// <summary>A model with parameters drawn from <paramref name="seed"/> (deepmd-kit's initialisation: weights
    /// normal with std 1/sqrt(in + out), biases standard normal), statistics avg 0 and std 1, and bias 0.</summary>
    public DeepPotentialModel(DeepPotentialSettings settings, long seed)
        : this(settings, InitialParameters(settings, seed), Statistics.Identity(settings.TypeCount))
    {
    }

    /// <summary>A model with the given parameters and statistics.</summary>
    public DeepPotentialModel(DeepPotentialSettings settings, double[] parameters, Statistics statistics)
    {
        settings.Validate();
        TorchRuntime.LoadNative();
        Settings = settings;
        Stats = statistics;
        _layout = Layout(settings);
        _dtype = settings.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var count = _layout.Sum(l => l.Shape.Aggregate(1L, (a, b) => a * b));
        if (parameters.Length != count)
        {
            throw new ArgumentException($"the model has {count} parameters, got {parameters.Length}", nameof(parameters));
        }
        using (torch.no_grad())
        {
            foreach (var (_, shape) in _layout)
            {
                _tensors.Add(torch.zeros(shape, _dtype).requires_grad_(true).DetachFromDisposeScope());
            }
        }
        Parameters = parameters;
    }

    /// <summary>The hyper-parameters.</summary>
    public DeepPotentialSettings Settings { get; }

    /// <summary>Environment-matrix statistics and energy bias per type (set from data before training).</summary>
    public Statistics Stats { get; set; }

    /// <summary>Names and shapes of the parameter tensors, in the flat vector's order.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> ParameterLayout => _layout;

    /// <summary>Number of trainable parameters.</summary>
    public int ParameterCount => (int)_layout.Sum(l => l.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>The trainable parameters as one flat vector (a copy); setting copies them in.</summary>
    public double[] Parameters
    {
        get
        {
            var flat = new double[ParameterCount];
            var offset = 0;
            foreach (var t in _tensors)
            {
                using var d = t.detach().to(ScalarType.Float64).contiguous();
                var values = d.data<double>().ToArray();
                values.CopyTo(flat, offset);
                offset += values.Length;
            }
            return flat;
        }
        set
        {
            var offset = 0;
            using var _ = torch.no_grad();
            foreach (var t in _tensors)
            {
                var n = (int)t.numel();
                using var source = torch.tensor(value.AsSpan(offset, n).ToArray(), t.shape, ScalarType.Float64);
                using var cast = source.to(_dtype);
                t.copy_(cast);
                offset += n;
            }
        }
    }

    /// <summary>Energy, forces and virial of one frame of atoms of <paramref name="types"/> (0-based).</summary>
    public DpEvaluation Evaluate(DpFrame frame, int[] types)
    {
        using var scope = torch.NewDisposeScope();
        using var batch = DpBatch.Create(this, [frame], types);
        var (energy, forces, virial) = Forward(batch, createGraph: false);
        return new DpEvaluation(
            energy.to(ScalarType.Float64).data<double>()[0],
            forces.to(ScalarType.Float64).contiguous().data<double>().ToArray(),
            virial.to(ScalarType.Float64).contiguous().data<double>().ToArray());
    }

    /// <summary>Energies [B], forces [B, N, 3] and virials [B, 3, 3] of a batch; inside the caller's dispose scope.
    /// <paramref name="createGraph"/> keeps the graph of forces and virial for a loss on them.</summary>
    public (Tensor Energy, Tensor Forces, Tensor Virial) Forward(DpBatch batch, bool createGraph)
    {
        var s = Settings;
        var (b, n, k) = (batch.Frames, batch.Atoms, s.NeighborRows);
        var coord = batch.Coordinates.detach().requires_grad_(true);
        var strain = torch.zeros([b, 3, 3], _dtype).requires_grad_(true);
        using var eye = torch.eye(3, dtype: _dtype);
        var deform = strain.add(eye, HeldScalars.One);

        // r_ij = x_j + image - x_i, deformed by (I + strain).
        var flat = coord.reshape(b * n, 3);
        var neighbors = flat.index_select(0, batch.Index).reshape(b, n, k, 3);
        var rij = neighbors.add(batch.Shift, HeldScalars.One).sub(coord.unsqueeze(2)).matmul(deform.unsqueeze(1));
        // x.mul(x), not square(): TorchSharp's square passes an implicit Scalar exponent that a collection may free
        // during the native call (Kernels/Compute/HeldScalars.cs); it failed a long training run.
        var r = rij.mul(rij).sum(-1).sqrt();

        // deepmd-kit's switch, SmoothSwitch.Value.
        var u = r.sub(Const(s.SmoothCutoffAngstrom)).div(Const(s.CutoffAngstrom - s.SmoothCutoffAngstrom));
        var u2 = u.mul(u);
        var inner = u2.mul(Const(-6)).add(u.mul(Const(15)), HeldScalars.One).add(Const(-10), HeldScalars.One);
        var poly = u2.mul(u).mul(inner).add(Const(1), HeldScalars.One);
        var weight = torch.where(r.lt(Const(s.SmoothCutoffAngstrom)), Const(1), torch.where(r.lt(Const(s.CutoffAngstrom)), poly, Const(0)));
        var sr = weight.div(r);
        var env = torch.cat([sr.unsqueeze(-1), rij.mul(sr.div(r).unsqueeze(-1))], -1);
        var normalised = env.sub(batch.Average).div(batch.Deviation);

        // Embedding nets, one per neighbour type, on each type's slots.
        var parts = new List<Tensor>();
        var offset = 0;
        var p = 0;
        for (var t = 0; t < s.TypeCount; t++)
        {
            var x = normalised.narrow(2, offset, s.Sel[t]).narrow(3, 0, 1);
            var width = 1;
            foreach (var neurons in s.EmbeddingNeurons)
            {
                var h = x.matmul(_tensors[p]).add(_tensors[p + 1], HeldScalars.One).tanh();
                p += 2;
                x = neurons == width ? x.add(h, HeldScalars.One)
                    : neurons == 2 * width ? torch.cat([x, x], -1).add(h, HeldScalars.One)
                    : h;
                width = neurons;
            }
            parts.Add(x);
            offset += s.Sel[t];
        }
        var g = torch.cat(parts, 2);
        var gr = g.transpose(2, 3).matmul(normalised).div(Const(k));
        var descriptor = gr.matmul(gr.narrow(2, 0, s.AxisNeurons).transpose(2, 3)).reshape(b, n, s.DescriptorWidth);

        // Fitting nets, one per centre type.
        Tensor? energy = null;
        for (var t = 0; t < s.TypeCount; t++)
        {
            if (batch.AtomsOfType[t] is not { } atoms)
            {
                p += 2 * (s.FittingNeurons.Length + 1);
                continue;
            }
            var x = descriptor.index_select(1, atoms);
            var width = s.DescriptorWidth;
            foreach (var neurons in s.FittingNeurons)
            {
                var h = x.matmul(_tensors[p]).add(_tensors[p + 1], HeldScalars.One).tanh();
                p += 2;
                x = neurons == width ? x.add(h, HeldScalars.One) : h;
                width = neurons;
            }
            var atomic = x.matmul(_tensors[p]).add(_tensors[p + 1], HeldScalars.One).add(Const(Stats.EnergyBias[t]), HeldScalars.One);
            p += 2;
            var sum = atomic.sum([1, 2]);
            energy = energy is null ? sum : energy.add(sum, HeldScalars.One);
        }
        var total = energy!;
        var grads = torch.autograd.grad([total.sum()], [coord, strain], retain_graph: createGraph, create_graph: createGraph);
        return (total, grads[0].neg(), grads[1].neg());
    }

    /// <summary>The flat parameter vector's gradient of <paramref name="loss"/>, in double.</summary>
    public double[] Gradient(Tensor loss)
    {
        var grads = torch.autograd.grad([loss], _tensors, allow_unused: true);
        var flat = new double[ParameterCount];
        var offset = 0;
        for (var i = 0; i < grads.Count; i++)
        {
            var n = (int)_tensors[i].numel();
            if (grads[i] is { } gi && !gi.IsInvalid)
            {
                gi.to(ScalarType.Float64).contiguous().data<double>().ToArray().CopyTo(flat, offset);
            }
            offset += n;
        }
        return flat;
    }

    /// <summary>A 0-dimensional constant of the model's precision (disposed with the caller's scope).</summary>
    internal Tensor Const(double value) => torch.tensor(value, _dtype);

    internal ScalarType DType => _dtype;

    /// <summary>SHA-256 of the parameters' and statistics' bits, hex.</summary>
    public string Sha256()
    {
        var values = Parameters.Concat(Stats.Average).Concat(Stats.Deviation).Concat(Stats.EnergyBias).ToArray();
        var bytes = new byte[values.Length * sizeof(double)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _tensors)
        {
            t.Dispose();
        }
        _tensors.Clear();
    }

    /// <summary>Names and shapes of the parameters: per neighbour type its embedding layers, then per atom type its
    /// fitting layers and output layer; weights [in, out], biases [out].</summary>
    public static (string Name, long[] Shape)[] Layout(DeepPotentialSettings settings)
    {
        var list = new List<(string, long[])>();
        for (var t = 0; t < settings.TypeCount; t++)
        {
            var width = 1;
            for (var l = 0; l < settings.EmbeddingNeurons.Length; l++)
            {
                list.Add(($"embedding.{t}.{l}.weight", [width, settings.EmbeddingNeurons[l]]));
                list.Add(($"embedding.{t}.{l}.bias", [settings.EmbeddingNeurons[l]]));
                width = settings.EmbeddingNeurons[l];
            }
        }
        for (var t = 0; t < settings.TypeCount; t++)
        {
            var width = settings.DescriptorWidth;
            for (var l = 0; l < settings.FittingNeurons.Length; l++)
            {
                list.Add(($"fitting.{t}.{l}.weight", [width, settings.FittingNeurons[l]]));
                list.Add(($"fitting.{t}.{l}.bias", [settings.FittingNeurons[l]]));
                width = settings.FittingNeurons[l];
            }
            list.Add(($"fitting.{t}.out.weight", [width, 1]));
            list.Add(($"fitting.{t}.out.bias", [1]));
        }
        return list.ToArray();
    }

    private static double[] InitialParameters(DeepPotentialSettings settings, long seed)
    {
        var values = new List<double>();
        var key = CounterRandom.Key(seed, 0xD9);
        ulong counter = 0;
        foreach (var (name, shape) in Layout(settings))
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            var std = name.EndsWith(".weight", StringComparison.Ordinal) ? 1 / Math.Sqrt(shape[0] + shape[1]) : 1.0;
            for (var i = 0; i < count; i++)
            {
                values.Add(std * CounterRandom.Gaussian(key, counter++));
            }
        }
        return values.ToArray();
    }

    /// <summary>Per-type environment statistics (avg and std of the 4 columns, [type, 4]) and energy bias (eV).</summary>
    public sealed record Statistics(double[] Average, double[] Deviation, double[] EnergyBias)
    {
        /// <summary>avg 0, std 1, bias 0.</summary>
        public static Statistics Identity(int types) =>
            new(new double[4 * types], Enumerable.Repeat(1.0, 4 * types).ToArray(), new double[types]);
    }
}
