using System.Buffers.Binary;
using Dataflow.Kernels.Compute;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Train;

/// <summary>Computes logical workers' gradients on this node: one network instance, reused for whichever
/// logical worker a call names.</summary>
/// <remarks>
/// The result of <see cref="Compute"/> is a function of (parameters, worker state, settings) only: the
/// batch comes from the state's cursor, and dropout and augmentation from the state's generator bytes,
/// never from libtorch's global generator. With the same <see cref="TrainSettings.IntraOpThreads"/> and
/// the same CPU type, two instances (or two processes) return identical bytes. Not thread-safe: one call
/// at a time, since libtorch dispose scopes are per thread and the network is shared between calls.
/// </remarks>
public sealed class GradientWorker : IDisposable
{
    private readonly TrainSettings _settings;
    private readonly SyntheticDataset _dataset;
    private readonly TrainNetwork _network;
    private readonly Generator _generator;
    private readonly long[] _batchShape;
    private readonly int _generatorStateLength;
    private bool _disposed;

    /// <summary>Builds the data set and network for <paramref name="settings"/> (loads libtorch with its
    /// intra-op thread count).</summary>
    public GradientWorker(TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        _settings = settings;
        _dataset = new SyntheticDataset(settings);
        _network = TrainModels.Create(settings);
        _generator = new Generator(0);
        using (var state = _generator.get_state())
        {
            _generatorStateLength = checked((int)state.numel());
        }
        _batchShape = [settings.BatchPerWorker, .. SyntheticDataset.SampleShapeOf(settings.Model)];
    }

    /// <summary>Settings this worker was built for.</summary>
    public TrainSettings Settings => _settings;

    /// <summary>Gradient, loss and next state of logical worker <c>state.WorkerId</c> at
    /// <paramref name="parameters"/>: next batch from the state's cursor, forward in training mode,
    /// mean cross-entropy, backward.</summary>
    public WorkerGradient Compute(ReadOnlySpan<float> parameters, LogicalWorkerState state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        if ((uint)state.WorkerId >= (uint)_settings.LogicalWorkers)
        {
            throw new ArgumentException(
                $"worker id {state.WorkerId} is outside [0, {_settings.LogicalWorkers})", nameof(state));
        }
        // Each call runs synchronously inside one dispose scope: TorchSharp's scopes are thread-static.
        TorchRuntime.EnsureLoaded(_settings.IntraOpThreads);
        using var scope = torch.NewDisposeScope();

        ParameterVector.Load(_network, parameters);
        _network.zero_grad();
        RestoreGenerator(state);

        var (indices, epoch, cursor) = WorkerDataOrder.Take(_settings, state, _settings.BatchPerWorker);
        var (inputs, labels) = _dataset.GetBatch(indices);
        if (_settings.Model == TrainModelKind.Cnn)
        {
            Augment(inputs);
        }

        using var input = torch.tensor(inputs, _batchShape);
        using var target = torch.tensor(labels);
        _network.train();
        using var logits = _network.forward(input, _generator);
        using var loss = nn.functional.cross_entropy(logits, target);
        loss.backward();

        var gradient = ParameterVector.Gradients(_network);
        var lossValue = (double)loss.item<float>();
        using var rngAfter = _generator.get_state();
        var next = new LogicalWorkerState(state.WorkerId, epoch, cursor, rngAfter.bytes.ToArray());
        _network.zero_grad();
        return new WorkerGradient(state.WorkerId, gradient, lossValue, indices.Length, next);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _network.Dispose();
        _generator.Dispose();
    }

    // libtorch aborts the process (an uncaught c10::Error through TorchSharp's native bridge) on a state it
    // rejects, so the checks of CPUGeneratorImpl::set_state run here first: the size of
    // CPUGeneratorImplState, and the mt19937 validity test on its legacy header
    // {u64 seed; i32 left; i32 seeded; u64 next; ...}: seeded, 1 <= left <= 624, next <= 624.
    private void RestoreGenerator(LogicalWorkerState state)
    {
        var bytes = state.RngState ?? [];
        if (GeneratorStateProblem(bytes) is { } problem)
        {
            throw new ArgumentException($"worker {state.WorkerId}: RngState {problem}", nameof(state));
        }
        using var rng = torch.tensor(bytes);
        _generator.set_state(rng);
    }

    private string? GeneratorStateProblem(byte[] bytes)
    {
        const int mersenneStateN = 624;
        if (bytes.Length != _generatorStateLength)
        {
            return $"has {bytes.Length} bytes, a CPU torch.Generator state has {_generatorStateLength}";
        }
        if (BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)) == 0)
        {
            return "is not seeded";
        }
        var left = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var next = (uint)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16));
        return left is < 1 or > mersenneStateN || next > mersenneStateN
            ? $"holds an invalid mt19937 position (left {left}, next {next})"
            : null;
    }

    // Per image: horizontal flip with probability 1/2, then a shift of -1, 0 or +1 pixel along each axis
    // with zero fill. Three uniforms per image from the worker's generator, drawn before any dropout mask.
    private void Augment(float[] images)
    {
        const int side = SyntheticDataset.ImageSide;
        var batch = _settings.BatchPerWorker;
        float[] draws;
        using (var u = torch.rand([batch, 3], dtype: ScalarType.Float32, generator: _generator))
        {
            draws = u.data<float>().ToArray();
        }
        Span<float> source = stackalloc float[side * side];
        for (var b = 0; b < batch; b++)
        {
            var image = images.AsSpan(b * side * side, side * side);
            image.CopyTo(source);
            var flip = draws[3 * b] < 0.5f;
            var shiftX = Math.Min(2, (int)(draws[3 * b + 1] * 3f)) - 1;
            var shiftY = Math.Min(2, (int)(draws[3 * b + 2] * 3f)) - 1;
            for (var y = 0; y < side; y++)
            {
                var sy = y - shiftY;
                for (var x = 0; x < side; x++)
                {
                    var sx = x - shiftX;
                    if (flip)
                    {
                        sx = side - 1 - sx;
                    }
                    image[y * side + x] = (uint)sy < side && (uint)sx < side ? source[sy * side + sx] : 0f;
                }
            }
        }
    }
}
