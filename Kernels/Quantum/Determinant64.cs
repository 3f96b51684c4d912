using System.Numerics;

namespace Dataflow.Kernels.Quantum;

/// <summary>A determinant over at most 64 spin orbitals (32 spatial orbitals) in one <see cref="ulong"/>:
/// bit 2p = alpha of spatial orbital p, bit 2p + 1 = beta.</summary>
/// <param name="Bits">The occupation bit string; bit k set means spin orbital k is occupied.</param>
public readonly record struct Determinant64(ulong Bits) : IDeterminant<Determinant64>
{
    /// <inheritdoc/>
    public static int MaxSpinOrbitals => 64;

    /// <inheritdoc/>
    public static Determinant64 Empty => default;

    /// <inheritdoc/>
    public ulong AlphaString => SpinBits.CompactEven(Bits);

    /// <inheritdoc/>
    public ulong BetaString => SpinBits.CompactEven(Bits >> 1);

    /// <inheritdoc/>
    public int ElectronCount => BitOperations.PopCount(Bits);

    /// <inheritdoc/>
    public int AlphaCount => BitOperations.PopCount(Bits & SpinBits.EvenMask);

    /// <inheritdoc/>
    public int BetaCount => BitOperations.PopCount(Bits & ~SpinBits.EvenMask);

    /// <inheritdoc/>
    public static Determinant64 FromSpinStrings(ulong alphaString, ulong betaString)
    {
        if ((alphaString | betaString) >> 32 != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(alphaString), "a 64-bit determinant holds spatial orbitals 0 to 31 only");
        }
        return new Determinant64(SpinBits.SpreadEven(alphaString) | (SpinBits.SpreadEven(betaString) << 1));
    }

    /// <inheritdoc/>
    public bool IsOccupied(int spinOrbital) => ((Bits >> Check(spinOrbital)) & 1UL) != 0;

    /// <inheritdoc/>
    public Determinant64 With(int spinOrbital) => new(Bits | (1UL << Check(spinOrbital)));

    /// <inheritdoc/>
    public Determinant64 Without(int spinOrbital) => new(Bits & ~(1UL << Check(spinOrbital)));

    /// <inheritdoc/>
    public Determinant64 Except(Determinant64 other) => new(Bits & ~other.Bits);

    /// <inheritdoc/>
    public int OccupiedBelow(int spinOrbital) => BitOperations.PopCount(Bits & SpinBits.Below(Check(spinOrbital)));

    /// <inheritdoc/>
    public int CopyOccupied(Span<int> spinOrbitals)
    {
        var count = 0;
        for (var rest = Bits; rest != 0; rest &= rest - 1)
        {
            spinOrbitals[count++] = BitOperations.TrailingZeroCount(rest);
        }
        return count;
    }

    /// <inheritdoc/>
    public int CompareTo(Determinant64 other) => Bits.CompareTo(other.Bits);

    private static int Check(int spinOrbital) =>
        (uint)spinOrbital < 64u
            ? spinOrbital
            : throw new ArgumentOutOfRangeException(nameof(spinOrbital), spinOrbital, "expected 0 to 63");
}
