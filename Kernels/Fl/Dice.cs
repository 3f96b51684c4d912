namespace Dataflow.Kernels.Fl;

/// <summary>The Dice similarity coefficient of binary segmentations.</summary>
public static class Dice
{
    /// <summary>2|P n G| / (|P| + |G|) of prediction <paramref name="predicted"/> and truth <paramref name="truth"/>
    /// (non-zero is foreground); 1 when both are empty (Dice 1945, the convention of the MSD evaluation).</summary>
    public static double Coefficient(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth)
    {
        if (predicted.Length != truth.Length)
        {
            throw new ArgumentException($"prediction has {predicted.Length} voxels, truth {truth.Length}", nameof(truth));
        }
        long both = 0, p = 0, g = 0;
        for (var i = 0; i < predicted.Length; i++)
        {
            var a = predicted[i] != 0;
            var b = truth[i] != 0;
            p += a ? 1 : 0;
            g += b ? 1 : 0;
            both += a && b ? 1 : 0;
        }
        return p + g == 0 ? 1.0 : 2.0 * both / (p + g);
    }
}
