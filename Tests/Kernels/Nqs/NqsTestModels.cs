using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Nqs;
using static TorchSharp.torch;

namespace Dataflow.Tests.Kernels.Nqs;

/// <summary>Small wavefunctions the NQS specs share.</summary>
internal static class NqsTestModels
{
    /// <summary>Weights N(0, 0.4): far from uniform, so the probabilities differ across configurations.</summary>
    public static readonly NqsModelOptions Peaked = new() { InitStd = 0.4 };

    public static TransformerWavefunction Create(int orbitals, int alpha, int beta, long seed = 3, NqsModelOptions? options = null)
    {
        TorchRuntime.EnsureLoaded(1);
        return new TransformerWavefunction(new ConfigurationSpace(orbitals, alpha, beta), options ?? Peaked, seed);
    }

    /// <summary>Every valid configuration of the model's space as int64 tokens [B, K].</summary>
    public static Tensor AllConfigurations(TransformerWavefunction model) => model.TokenTensor(model.Space.Enumerate());

    public static double[] ToDoubles(Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64);
        return d.data<double>().ToArray();
    }
}
