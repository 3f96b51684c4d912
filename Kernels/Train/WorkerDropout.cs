using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Train;

/// <summary>Inverted dropout whose mask comes from a logical worker's own generator.</summary>
/// <remarks>
/// TorchSharp's <c>nn.Dropout</c> draws from libtorch's global generator, which would tie the mask to
/// whatever else ran in the process before; here <c>mask = (rand(shape, g) &gt;= p) / (1 - p)</c>
/// (Srivastava et al., JMLR 15, 2014, with the inverted scaling PyTorch uses), so the mask depends only
/// on the worker's generator state.
/// </remarks>
public static class WorkerDropout
{
    /// <summary>Applies dropout with probability <paramref name="p"/> in training mode; identity otherwise.</summary>
    /// <returns>A new tensor (an alias of <paramref name="input"/> for the identity), so the caller disposes
    /// input and output independently.</returns>
    public static Tensor Apply(Tensor input, double p, Generator generator, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(generator);
        if (!training || p <= 0.0)
        {
            return input.alias();
        }
        using var uniform = torch.rand(input.shape, dtype: input.dtype, device: input.device, generator: generator);
        // Scalars under using: they stay reachable through the native calls (see HeldScalars).
        using var threshold = p.ToScalar();
        using var keepProbability = (1.0 - p).ToScalar();
        using var keep = uniform.ge(threshold);
        using var mask = keep.to_type(input.dtype).div_(keepProbability);
        return input.mul(mask);
    }
}
