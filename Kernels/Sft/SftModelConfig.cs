using MessagePack;

namespace Dataflow.Kernels.Sft;

/// <summary>Shape of the causal language model of the <c>sft</c> workload.</summary>
/// <param name="Vocabulary">Token ids are in [0, Vocabulary).</param>
/// <param name="DModel">Width of the residual stream.</param>
/// <param name="Heads">Attention heads; <see cref="DModel"/> / <see cref="Heads"/> must be even (rotary pairs).</param>
/// <param name="Layers">Decoder blocks.</param>
/// <param name="FeedForward">Hidden width of each block's MLP.</param>
/// <param name="Context">Longest sequence the model accepts, in tokens.</param>
[MessagePackObject]
public sealed record SftModelConfig(
    [property: Key(0)] int Vocabulary,
    [property: Key(1)] int DModel,
    [property: Key(2)] int Heads,
    [property: Key(3)] int Layers,
    [property: Key(4)] int FeedForward,
    [property: Key(5)] int Context)
{
    /// <summary>The longest sequence any preset accepts (the 16 to 16,384 tokens).</summary>
    public const int MaxContext = 16384;

    /// <summary>The <c>tiny</c> preset: 2 blocks of width 64, 4 heads.</summary>
    public static SftModelConfig Tiny(int vocabulary) => new(vocabulary, 64, 4, 2, 256, MaxContext);

    /// <summary>The <c>small</c> preset: 4 blocks of width 128, 4 heads.</summary>
    public static SftModelConfig Small(int vocabulary) => new(vocabulary, 128, 4, 4, 512, MaxContext);

    /// <summary>Width of one head.</summary>
    [IgnoreMember]
    public int HeadDim => DModel / Heads;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (Vocabulary < 2 || DModel < 2 || Heads < 1 || Layers < 1 || FeedForward < 1 || Context < 2)
        {
            throw new ArgumentException($"model: every size must be positive (got {this})", "model");
        }
        if (DModel % Heads != 0 || HeadDim % 2 != 0)
        {
            throw new ArgumentException($"model: width {DModel} must split into {Heads} heads of even width", "model");
        }
    }

    /// <summary>Bytes one chunk of <paramref name="chunkTokens"/> needs while its activations are kept (float32):
    /// about 16 floats per token per block and two vocabulary-wide rows (logits and their gradient), plus the
    /// parameters with their gradient and two AdamW moments.</summary>
    public long ChunkBytes(int chunkTokens) =>
        sizeof(float) * ((long)chunkTokens * (16L * DModel * Layers + 2L * Vocabulary) + 4L * ParameterCount);

    /// <summary>Bytes one chunk of <paramref name="chunkTokens"/> needs with every block recomputed (float32): one
    /// block's activations (16 floats per token), every block's input, two vocabulary-wide rows, and the parameters
    /// with their gradient and two AdamW moments. The least a budget can be under activation checkpointing.</summary>
    public long CheckpointedChunkBytes(int chunkTokens) =>
        sizeof(float) * ((long)chunkTokens * (16L * DModel + (long)DModel * Layers + 2L * Vocabulary) + 4L * ParameterCount);

    /// <summary>Number of parameters of <see cref="SftTransformer"/> with this shape.</summary>
    [IgnoreMember]
    public long ParameterCount =>
        2L * Vocabulary * DModel + 2L * DModel
        + Layers * (4L * DModel + 3L * DModel * DModel + 3L * DModel + DModel * DModel + DModel
                    + 2L * DModel * FeedForward + FeedForward + DModel);
}
