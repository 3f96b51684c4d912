using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;

namespace Dataflow.Tests.Kernels.Nqs.Vmc;

/// <summary>Every configuration of a model's space as one sample, with exact local energies: expectations over the whole
/// space instead of a sampled one.</summary>
internal static class ExactSpace
{
    /// <summary>All configurations, their counts from <paramref name="count"/> (given |psi(x)|^2), log|psi|, phases and
    /// exact local energies.</summary>
    public static (SampleResult Samples, LocalEnergyResult Local) Evaluate(
        TransformerWavefunction model, LocalEnergy local, Func<double, long> count)
    {
        var k = model.Space.Orbitals;
        var all = model.Space.Enumerate();
        var bits = Enumerable.Range(0, all.Length / k).Select(i => OrbitalTokens.ToBits(all.AsSpan(i * k, k))).ToArray();
        var logs = new double[bits.Length];
        var phases = new double[bits.Length];
        var evaluator = new TransformerEvaluator(model);
        evaluator.Evaluate(bits, logs, phases);
        var samples = new SampleResult(k, all, logs.Select(l => count(Math.Exp(2 * l))).ToArray(), logs, phases);
        return (samples, local.Compute(samples, evaluator, LocalEnergyMode.Exact));
    }
}
