namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Evaluates log|psi(x)| and phi(x) of configurations given as spin-orbital strings (bit 2p alpha,
/// bit 2p + 1 beta of spatial orbital p; K &lt;= 32).</summary>
public interface IWavefunctionEvaluator
{
    /// <summary>K, the spatial orbitals of a configuration.</summary>
    int Orbitals { get; }

    /// <summary>Writes log|psi| (-inf where psi is zero) and phi (radians) of every string in <paramref name="bits"/>.</summary>
    void Evaluate(ReadOnlySpan<ulong> bits, Span<double> logAmplitudes, Span<double> phases);
}
