using MessagePack;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Unique samples <c>Start .. Start + Count - 1</c> of a <see cref="SampleResult"/>.</summary>
[MessagePackObject]
public readonly record struct SampleRange(
    [property: Key(0)] int Start,
    [property: Key(1)] int Count)
{
    /// <summary>One past the last sample.</summary>
    [IgnoreMember]
    public int End => Start + Count;

    /// <summary>All unique samples of <paramref name="samples"/>.</summary>
    public static SampleRange All(SampleResult samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return new SampleRange(0, samples.Unique);
    }
}
