using System.Text.Json.Serialization;
using MessagePack;

namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>Hyper-parameters of a Deep Potential with the se_e2_a descriptor (deepmd-kit's <c>descriptor</c> and
/// <c>fitting_net</c> sections).</summary>
/// <param name="TypeMap">Element names by type index, as deepmd-kit's <c>type_map</c>.</param>
/// <param name="CutoffAngstrom">rcut: neighbours beyond it do not contribute.</param>
/// <param name="SmoothCutoffAngstrom">rcut_smth: the switch s(r) starts to fall from 1/r here.</param>
/// <param name="Sel">Maximum neighbours kept per neighbour type (deepmd-kit's <c>sel</c>); rows beyond the real
/// neighbours are padding.</param>
/// <param name="EmbeddingNeurons">Widths of the embedding net G's layers (deepmd-kit's <c>neuron</c>); the last is M1.</param>
/// <param name="AxisNeurons">M2 (deepmd-kit's <c>axis_neuron</c>): columns of G kept for the second factor of D.</param>
/// <param name="FittingNeurons">Widths of the fitting net's hidden layers.</param>
/// <param name="Float64">Evaluate in double precision; false evaluates in single precision (faster, about 1e-6
/// relative in forces).</param>
[MessagePackObject]
public sealed record DeepPotentialSettings(
    [property: Key(0)] string[] TypeMap,
    [property: Key(1)] double CutoffAngstrom,
    [property: Key(2)] double SmoothCutoffAngstrom,
    [property: Key(3)] int[] Sel,
    [property: Key(4)] int[] EmbeddingNeurons,
    [property: Key(5)] int AxisNeurons,
    [property: Key(6)] int[] FittingNeurons,
    [property: Key(7)] bool Float64 = false)
{
    /// <summary>Number of atom types.</summary>
    [IgnoreMember]
    [JsonIgnore]
    public int TypeCount => TypeMap.Length;

    /// <summary>Nc: neighbour rows of the environment matrix, the sum of <see cref="Sel"/>.</summary>
    [IgnoreMember]
    [JsonIgnore]
    public int NeighborRows => Sel.Sum();

    /// <summary>M1: the embedding net's output width.</summary>
    [IgnoreMember]
    [JsonIgnore]
    public int EmbeddingWidth => EmbeddingNeurons[^1];

    /// <summary>Width of the descriptor of one atom, M1 x M2.</summary>
    [IgnoreMember]
    [JsonIgnore]
    public int DescriptorWidth => EmbeddingWidth * AxisNeurons;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Check(TypeMap is { Length: > 0 } && TypeMap.All(t => !string.IsNullOrWhiteSpace(t)), nameof(TypeMap), "needs at least one element name");
        Check(SmoothCutoffAngstrom >= 0 && CutoffAngstrom > SmoothCutoffAngstrom, nameof(CutoffAngstrom),
            $"rcut ({CutoffAngstrom}) must exceed rcut_smth ({SmoothCutoffAngstrom}) >= 0");
        Check(Sel is not null && Sel.Length == TypeMap.Length && Sel.All(s => s >= 1), nameof(Sel),
            $"needs one count >= 1 per type ({TypeMap.Length})");
        Check(EmbeddingNeurons is { Length: > 0 } && EmbeddingNeurons.All(n => n >= 1), nameof(EmbeddingNeurons), "needs widths >= 1");
        Check(AxisNeurons >= 1 && AxisNeurons <= EmbeddingNeurons[^1], nameof(AxisNeurons),
            $"must be in 1..{EmbeddingNeurons[^1]} (got {AxisNeurons})");
        Check(FittingNeurons is { Length: > 0 } && FittingNeurons.All(n => n >= 1), nameof(FittingNeurons), "needs widths >= 1");
    }

    private static void Check(bool ok, string field, string message)
    {
        if (!ok)
        {
            throw new ArgumentException($"{field}: {message}", field);
        }
    }
}
