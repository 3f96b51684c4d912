using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Batched inference of a <see cref="TransformerWavefunction"/> for local energies: chunks of at most
/// <see cref="ChunkSize"/> configurations, one dispose scope and no autograd graph per chunk.</summary>
/// <param name="model">The wavefunction; the torch runtime must be loaded.</param>
/// <param name="chunkSize">Configurations per forward pass; default 4096.</param>
public sealed class TransformerEvaluator(TransformerWavefunction model, int chunkSize = 4096) : IWavefunctionEvaluator
{
    /// <summary>Configurations per forward pass.</summary>
    public int ChunkSize { get; } = chunkSize >= 1 ? chunkSize : throw new ArgumentOutOfRangeException(nameof(chunkSize));

    /// <inheritdoc />
    public int Orbitals => model.Space.Orbitals;

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<ulong> bits, Span<double> logAmplitudes, Span<double> phases)
    {
        if (logAmplitudes.Length < bits.Length || phases.Length < bits.Length)
        {
            throw new ArgumentException("destinations are shorter than the configurations");
        }
        var k = Orbitals;
        for (var first = 0; first < bits.Length; first += ChunkSize)
        {
            var rows = Math.Min(ChunkSize, bits.Length - first);
            var tokens = OrbitalTokens.ToTokenRows(bits.Slice(first, rows), k);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (logAmplitude, phase) = model.forward(tensor(tokens, [rows, k]));
            logAmplitude.to_type(ScalarType.Float64).data<double>().CopyTo(logAmplitudes.Slice(first, rows));
            phase.to_type(ScalarType.Float64).data<double>().CopyTo(phases.Slice(first, rows));
        }
    }
}
