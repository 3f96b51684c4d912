namespace Dataflow.Kernels.Train;

/// <summary>One parameter tensor of a <c>train</c> network: its state-dict name, shape, fan-in and
/// offset in the flat parameter vector.</summary>
/// <param name="Name">PyTorch state-dict key, e.g. <c>fc1.weight</c>.</param>
/// <param name="Shape">Tensor shape.</param>
/// <param name="FanIn">Inputs feeding one output unit (sets the initialisation bound).</param>
/// <param name="Offset">First index of this tensor in the flat vector.</param>
public sealed record ParameterShape(string Name, long[] Shape, int FanIn, int Offset)
{
    /// <summary>Number of elements.</summary>
    public int Length
    {
        get
        {
            long n = 1;
            foreach (var d in Shape)
            {
                n *= d;
            }
            return checked((int)n);
        }
    }
}
