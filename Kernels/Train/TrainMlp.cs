using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Train;

/// <summary>MLP 32 -> 64 -> 64 -> 10: linear, ReLU, dropout, linear, ReLU, dropout, linear.</summary>
public sealed class TrainMlp : TrainNetwork
{
    /// <summary>Hidden width of both hidden layers.</summary>
    public const int Hidden = 64;

    // Field names are the PyTorch state-dict keys (fc1.weight, fc1.bias, ...).
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear fc3;
    private readonly double _dropout;

    /// <summary>Builds the network with dropout probability <paramref name="dropout"/>; weights are
    /// overwritten by <see cref="ParameterVector.Load"/> before use.</summary>
    public TrainMlp(double dropout) : base(nameof(TrainMlp))
    {
        _dropout = dropout;
        fc1 = nn.Linear(SyntheticDataset.MlpInputs, Hidden);
        fc2 = nn.Linear(Hidden, Hidden);
        fc3 = nn.Linear(Hidden, SyntheticDataset.MlpClasses);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override TrainModelKind Kind => TrainModelKind.Mlp;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Generator generator)
    {
        using var a1 = fc1.forward(input);
        using var h1 = nn.functional.relu(a1);
        using var d1 = WorkerDropout.Apply(h1, _dropout, generator, training);
        using var a2 = fc2.forward(d1);
        using var h2 = nn.functional.relu(a2);
        using var d2 = WorkerDropout.Apply(h2, _dropout, generator, training);
        return fc3.forward(d2);
    }
}
