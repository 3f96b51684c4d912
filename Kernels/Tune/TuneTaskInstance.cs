using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Tune;

/// <summary>A task's kernel with its inputs allocated and filled from a seed: what a measurer times.</summary>
public sealed class TuneTaskInstance : IDisposable
{
    private readonly float[] _a = [];
    private readonly float[] _b = [];
    private readonly float[] _out = [];
    private readonly float[] _scratch = [];
    private readonly double[] _sums = [];
    private readonly TunedLennardJones? _lj;

    /// <summary>Allocates the inputs of <paramref name="task"/>, uniform in [-1, 1) from <paramref name="seed"/>.</summary>
    public TuneTaskInstance(TuneTask task, long seed = 1)
    {
        ArgumentNullException.ThrowIfNull(task);
        task.Validate();
        Task = task;
        var rng = new Random(unchecked((int)(seed ^ (seed >> 32))));
        float[] Fill(int length)
        {
            var x = new float[length];
            for (var i = 0; i < length; i++)
            {
                x[i] = (float)(2 * rng.NextDouble() - 1);
            }
            return x;
        }
        var p = task.Shape;
        switch (task.Operator)
        {
            case TuneOperator.Dense:
                (_a, _b, _out) = (Fill(p[0] * p[2]), Fill(p[2] * p[1]), new float[p[0] * p[1]]);
                break;
            case TuneOperator.Conv2d:
            {
                var s = task.Conv;
                _a = Fill(s.Batch * s.Channels * s.Height * s.Width);
                _b = Fill(s.Filters * s.Channels * s.KernelHeight * s.KernelWidth);
                _out = new float[s.Batch * s.Filters * s.OutHeight * s.OutWidth];
                _scratch = new float[TunedConv2d.ScratchLength(s)];
                break;
            }
            case TuneOperator.DepthwiseConv2d:
            {
                var s = task.Conv;
                _a = Fill(s.Batch * s.Channels * s.Height * s.Width);
                _b = Fill(s.Channels * s.KernelHeight * s.KernelWidth);
                _out = new float[s.Batch * s.Channels * s.OutHeight * s.OutWidth];
                _scratch = new float[TunedDepthwiseConv2d.ScratchLength(s)];
                break;
            }
            case TuneOperator.Softmax:
                (_a, _out) = (Fill(p[0] * p[1]), new float[p[0] * p[1]]);
                break;
            case TuneOperator.Reduction:
                (_a, _sums) = (Fill(p[0] * p[1]), new double[p[0]]);
                break;
            case TuneOperator.LennardJonesPair:
                // On a node with a CUDA device md launches the pair kernel there: measure it where it will run.
                _lj = new TunedLennardJones((int)Math.Round(Math.Cbrt(p[0] / 4.0)), p[1] / 10.0, seed,
                    ComputeBackend.IsCudaAvailable ? ComputeBackendKind.Cuda : ComputeBackendKind.Cpu);
                break;
        }
    }

    /// <summary>The task.</summary>
    public TuneTask Task { get; }

    /// <summary>First input (A, the image, the matrix), for references.</summary>
    public float[] InputA => _a;

    /// <summary>Second input (B, the weights), for references.</summary>
    public float[] InputB => _b;

    /// <summary>The pair kernel's system when the task is <see cref="TuneOperator.LennardJonesPair"/>.</summary>
    public TunedLennardJones? LennardJones => _lj;

    /// <summary>Runs the kernel once with schedule <paramref name="s"/> and returns its output as doubles.</summary>
    public double[] RunAndCopy(TuneSchedule s)
    {
        if (_lj is not null)
        {
            return _lj.Run(s).ToArray();
        }
        Run(s);
        return Task.Operator == TuneOperator.Reduction ? (double[])_sums.Clone() : _out.Select(v => (double)v).ToArray();
    }

    /// <summary>Runs the kernel once with schedule <paramref name="s"/>.</summary>
    public void Run(TuneSchedule s)
    {
        var p = Task.Shape;
        switch (Task.Operator)
        {
            case TuneOperator.Dense:
                TunedDense.Run(s, _a, 0, _b, 0, _out, 0, p[0], p[1], p[2]);
                break;
            case TuneOperator.Conv2d:
                TunedConv2d.Run(s, Task.Conv, _a, _b, _out, _scratch);
                break;
            case TuneOperator.DepthwiseConv2d:
                TunedDepthwiseConv2d.Run(s, Task.Conv, _a, _b, _out, _scratch);
                break;
            case TuneOperator.Softmax:
                TunedSoftmax.Run(s, p[0], p[1], _a, _out);
                break;
            case TuneOperator.Reduction:
                TunedReduction.Run(s, p[0], p[1], _a, _sums);
                break;
            case TuneOperator.LennardJonesPair:
                _lj!.Run(s);
                break;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lj?.Dispose();
}
