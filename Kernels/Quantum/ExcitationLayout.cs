using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Quantum;

/// <summary>How the spin-conserving single and double excitations of a determinant with fixed electron counts are
/// numbered: the slot layout of <see cref="ConnectedKernel"/>, passed to it by value.</summary>
/// <remarks>
/// <para>Blocks in order, each numbered from 0 within itself: alpha singles (hole index * alpha virtuals +
/// particle index), beta singles, alpha-alpha doubles (hole pair * particle pairs + particle pair, pairs
/// x &lt; y numbered y(y-1)/2 + x), beta-beta doubles, alpha-beta doubles
/// (((alpha hole * alpha virtuals + alpha particle) * beta holes + beta hole) * beta virtuals + beta particle).
/// Holes and particles are counted in ascending orbital order.</para>
/// <para>Every determinant of the same (N_alpha, N_beta) sector has exactly this many excitations, so a batch
/// needs no padding.</para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public readonly struct ExcitationLayout
{
    private ExcitationLayout(int orbitalCount, int alphaCount, int betaCount, int determinantCount)
    {
        OrbitalCount = orbitalCount;
        AlphaCount = alphaCount;
        BetaCount = betaCount;
        AlphaVirtualCount = orbitalCount - alphaCount;
        BetaVirtualCount = orbitalCount - betaCount;
        SinglesAlpha = alphaCount * AlphaVirtualCount;
        SinglesBeta = betaCount * BetaVirtualCount;
        DoublesAlphaAlpha = Pairs(alphaCount) * Pairs(AlphaVirtualCount);
        DoublesBetaBeta = Pairs(betaCount) * Pairs(BetaVirtualCount);
        DoublesAlphaBeta = SinglesAlpha * SinglesBeta;
        SlotsPerDeterminant = SinglesAlpha + SinglesBeta + DoublesAlphaAlpha + DoublesBetaBeta + DoublesAlphaBeta;
        DeterminantCount = determinantCount;
    }

    /// <summary>Spatial orbitals.</summary>
    public int OrbitalCount { get; }

    /// <summary>Alpha electrons of every determinant.</summary>
    public int AlphaCount { get; }

    /// <summary>Beta electrons of every determinant.</summary>
    public int BetaCount { get; }

    /// <summary>Empty alpha spin orbitals.</summary>
    public int AlphaVirtualCount { get; }

    /// <summary>Empty beta spin orbitals.</summary>
    public int BetaVirtualCount { get; }

    /// <summary>Alpha single excitations.</summary>
    public int SinglesAlpha { get; }

    /// <summary>Beta single excitations.</summary>
    public int SinglesBeta { get; }

    /// <summary>Double excitations of two alpha electrons.</summary>
    public int DoublesAlphaAlpha { get; }

    /// <summary>Double excitations of two beta electrons.</summary>
    public int DoublesBetaBeta { get; }

    /// <summary>Double excitations of one alpha and one beta electron.</summary>
    public int DoublesAlphaBeta { get; }

    /// <summary>All excitations of one determinant: the slots it gets.</summary>
    public int SlotsPerDeterminant { get; }

    /// <summary>Determinants in the batch.</summary>
    public int DeterminantCount { get; }

    /// <summary>The layout for <paramref name="determinantCount"/> determinants of the given sector.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Electron counts outside 0..<paramref name="orbitalCount"/>.</exception>
    public static ExcitationLayout Create(int orbitalCount, int alphaCount, int betaCount, int determinantCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(orbitalCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orbitalCount, 64);
        ArgumentOutOfRangeException.ThrowIfNegative(alphaCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alphaCount, orbitalCount);
        ArgumentOutOfRangeException.ThrowIfNegative(betaCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(betaCount, orbitalCount);
        ArgumentOutOfRangeException.ThrowIfNegative(determinantCount);
        return new ExcitationLayout(orbitalCount, alphaCount, betaCount, determinantCount);
    }

    private static int Pairs(int count) => count * (count - 1) / 2;
}
