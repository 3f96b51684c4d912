namespace Dataflow.Kernels.Quantum;

/// <summary>The determinants of a fixed (N_alpha, N_beta) sector over n spatial orbitals: the full-CI space,
/// numbered alpha-major, index = alpha rank * (beta strings) + beta rank.</summary>
/// <typeparam name="T">Determinant representation.</typeparam>
/// <remarks>Strings are ranked by <see cref="OccupationStrings"/>, so <see cref="IndexOf"/> costs one pass over the
/// electrons and no hash table.</remarks>
public sealed class CiSpace<T>
    where T : unmanaged, IDeterminant<T>
{
    private readonly ulong[] _alphaStrings;
    private readonly ulong[] _betaStrings;

    /// <summary>The sector with <paramref name="alphaCount"/> alpha and <paramref name="betaCount"/> beta electrons
    /// in <paramref name="orbitalCount"/> spatial orbitals.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Orbitals beyond <typeparamref name="T"/>, bad counts, or a
    /// space of 2^31 determinants or more.</exception>
    public CiSpace(int orbitalCount, int alphaCount, int betaCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(orbitalCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orbitalCount, T.MaxSpinOrbitals / 2);
        ArgumentOutOfRangeException.ThrowIfNegative(alphaCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alphaCount, orbitalCount);
        ArgumentOutOfRangeException.ThrowIfNegative(betaCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(betaCount, orbitalCount);
        var dimension = OccupationStrings.Binomial(orbitalCount, alphaCount) * OccupationStrings.Binomial(orbitalCount, betaCount);
        if (dimension > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(orbitalCount), $"{dimension} determinants exceed 2^31 - 1");
        }
        OrbitalCount = orbitalCount;
        AlphaCount = alphaCount;
        BetaCount = betaCount;
        _alphaStrings = OccupationStrings.Enumerate(orbitalCount, alphaCount);
        _betaStrings = OccupationStrings.Enumerate(orbitalCount, betaCount);
        Dimension = (int)dimension;
    }

    /// <summary>Spatial orbitals.</summary>
    public int OrbitalCount { get; }

    /// <summary>Alpha electrons of every determinant.</summary>
    public int AlphaCount { get; }

    /// <summary>Beta electrons of every determinant.</summary>
    public int BetaCount { get; }

    /// <summary>Number of determinants, C(n, N_alpha) * C(n, N_beta).</summary>
    public int Dimension { get; }

    /// <summary>Number of alpha strings, C(n, N_alpha).</summary>
    public int AlphaStringCount => _alphaStrings.Length;

    /// <summary>Number of beta strings, C(n, N_beta).</summary>
    public int BetaStringCount => _betaStrings.Length;

    /// <summary>Determinant number <paramref name="index"/>.</summary>
    public T this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Dimension);
            var (alpha, beta) = Math.DivRem(index, _betaStrings.Length);
            return T.FromSpinStrings(_alphaStrings[alpha], _betaStrings[beta]);
        }
    }

    /// <summary>The index of <paramref name="determinant"/>, or -1 when it is not in this sector.</summary>
    public int IndexOf(T determinant)
    {
        var alpha = determinant.AlphaString;
        var beta = determinant.BetaString;
        if (determinant.AlphaCount != AlphaCount
            || determinant.BetaCount != BetaCount
            || (OrbitalCount < 64 && ((alpha | beta) >> OrbitalCount) != 0))
        {
            return -1;
        }
        return (int)(OccupationStrings.Rank(alpha) * _betaStrings.Length + OccupationStrings.Rank(beta));
    }

    /// <summary>Every determinant, in index order.</summary>
    public T[] ToArray()
    {
        var all = new T[Dimension];
        for (var a = 0; a < _alphaStrings.Length; a++)
        {
            for (var b = 0; b < _betaStrings.Length; b++)
            {
                all[a * _betaStrings.Length + b] = T.FromSpinStrings(_alphaStrings[a], _betaStrings[b]);
            }
        }
        return all;
    }
}
