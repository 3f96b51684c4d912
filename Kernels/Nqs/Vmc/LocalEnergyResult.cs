using MessagePack;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Complex local energies E_loc(x) of a range of unique samples.</summary>
/// <param name="Range">The samples, indices into the <see cref="SampleResult"/>.</param>
/// <param name="RealHartree">Re E_loc of sample <c>Range.Start + i</c> at index i.</param>
/// <param name="ImaginaryHartree">Im E_loc, same layout.</param>
/// <param name="ConnectedElements">Off-diagonal pairs (x, x') with nonzero H(x, x') generated: the work measure
/// for throughput figures, equal in both modes.</param>
/// <param name="Inferred">Distinct configurations evaluated by the wavefunction (0 in sample-space mode).</param>
[MessagePackObject]
public sealed record LocalEnergyResult(
    [property: Key(0)] SampleRange Range,
    [property: Key(1)] double[] RealHartree,
    [property: Key(2)] double[] ImaginaryHartree,
    [property: Key(3)] long ConnectedElements,
    [property: Key(4)] int Inferred)
{
    /// <summary>The local energies of <paramref name="range"/>, a part of <see cref="Range"/> (work counts are not split: 0).</summary>
    public LocalEnergyResult Slice(SampleRange range)
    {
        if (range.Start < Range.Start || range.End > Range.End || range.Count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(range), range, $"outside {Range}");
        }
        var offset = range.Start - Range.Start;
        return new LocalEnergyResult(
            range, RealHartree.AsSpan(offset, range.Count).ToArray(), ImaginaryHartree.AsSpan(offset, range.Count).ToArray(), 0, 0);
    }
}
