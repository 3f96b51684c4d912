namespace Dataflow.Kernels.Nqs;

/// <summary>Hyper-parameters of <see cref="TransformerWavefunction"/>.</summary>
/// <remarks>
/// Defaults: 2 decoder layers, d_model 32, 4 heads, feed-forward width 4 d_model, phase MLP width 64,
/// float64 everywhere, initial weights N(0, 0.02). Float64 is the default because the tests compare
/// normalisation to 1e-10 and cached against full decoding to 1e-12, and variational energies are compared
/// at 1e-3 Ha; at these widths on CPU the model is bound by per-operator overhead, so float64 costs
/// little (see <see cref="NqsBenchmark"/>). Float32 gives conditional log-probabilities to about 1e-6,
/// enough for sampling but not for sub-1e-6 consistency checks.
/// </remarks>
public sealed record NqsModelOptions
{
    /// <summary>Decoder layers; default 2.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Embedding width d_model; default 32. Must be divisible by <see cref="Heads"/>.</summary>
    public int DModel { get; init; } = 32;

    /// <summary>Attention heads; default 4.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Hidden width of each feed-forward block as a multiple of d_model; default 4.</summary>
    public int FeedForwardMultiple { get; init; } = 4;

    /// <summary>Hidden width of the phase MLP; default 64.</summary>
    public int PhaseHidden { get; init; } = 64;

    /// <summary>Whether parameters and activations are float64 (default) rather than float32.</summary>
    public bool Float64 { get; init; } = true;

    /// <summary>Standard deviation of the initial weights; default 0.02 (GPT-2), which starts near the
    /// uniform distribution over valid configurations. Output projections of residual branches use
    /// <c>InitStd / sqrt(2 Layers)</c>.</summary>
    public double InitStd { get; init; } = 0.02;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Layers, 1, nameof(Layers));
        ArgumentOutOfRangeException.ThrowIfLessThan(DModel, 1, nameof(DModel));
        ArgumentOutOfRangeException.ThrowIfLessThan(Heads, 1, nameof(Heads));
        ArgumentOutOfRangeException.ThrowIfLessThan(FeedForwardMultiple, 1, nameof(FeedForwardMultiple));
        ArgumentOutOfRangeException.ThrowIfLessThan(PhaseHidden, 1, nameof(PhaseHidden));
        ArgumentOutOfRangeException.ThrowIfNegative(InitStd, nameof(InitStd));
        if (DModel % Heads != 0)
        {
            throw new ArgumentException($"d_model {DModel} is not divisible by {Heads} heads");
        }
    }
}
