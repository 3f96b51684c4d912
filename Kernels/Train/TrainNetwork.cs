using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Train;

/// <summary>A classifier of the <c>train</c> workload: input batch and the logical worker's generator
/// (for dropout) in, logits [batch, classes] out.</summary>
public abstract class TrainNetwork : nn.Module<Tensor, Generator, Tensor>
{
    /// <summary>Names the module; its parameters are named after the subclass's fields (<c>fc1.weight</c>, ...).</summary>
    protected TrainNetwork(string name) : base(name)
    {
    }

    /// <summary>Which network this is.</summary>
    public abstract TrainModelKind Kind { get; }
}
