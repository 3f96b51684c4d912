using System.Numerics;

namespace Dataflow.Kernels.Quantum;

/// <summary>A determinant over at most 128 spin orbitals (64 spatial orbitals) in two <see cref="ulong"/>s:
/// spin orbitals 0 to 63 in <see cref="Low"/>, 64 to 127 in <see cref="High"/>; bit 2p = alpha of spatial
/// orbital p, bit 2p + 1 = beta.</summary>
/// <param name="Low">Occupations of spin orbitals 0 to 63.</param>
/// <param name="High">Occupations of spin orbitals 64 to 127.</param>
public readonly record struct Determinant128(ulong Low, ulong High) : IDeterminant<Determinant128>
{
    /// <inheritdoc/>
    public static int MaxSpinOrbitals => 128;

    /// <inheritdoc/>
    public static Determinant128 Empty => default;

    /// <inheritdoc/>
    public ulong AlphaString => SpinBits.CompactEven(Low) | (SpinBits.CompactEven(High) << 32);

    /// <inheritdoc/>
    public ulong BetaString => SpinBits.CompactEven(Low >> 1) | (SpinBits.CompactEven(High >> 1) << 32);

    /// <inheritdoc/>
    public int ElectronCount => BitOperations.PopCount(Low) + BitOperations.PopCount(High);

    /// <inheritdoc/>
    public int AlphaCount =>
        BitOperations.PopCount(Low & SpinBits.EvenMask) + BitOperations.PopCount(High & SpinBits.EvenMask);

    /// <inheritdoc/>
    public int BetaCount =>
        BitOperations.PopCount(Low & ~SpinBits.EvenMask) + BitOperations.PopCount(High & ~SpinBits.EvenMask);

    /// <inheritdoc/>
    public static Determinant128 FromSpinStrings(ulong alphaString, ulong betaString) => new(
        SpinBits.SpreadEven(alphaString) | (SpinBits.SpreadEven(betaString) << 1),
        SpinBits.SpreadEven(alphaString >> 32) | (SpinBits.SpreadEven(betaString >> 32) << 1));

    /// <inheritdoc/>
    public bool IsOccupied(int spinOrbital) => Check(spinOrbital) < 64
        ? ((Low >> spinOrbital) & 1UL) != 0
        : ((High >> (spinOrbital - 64)) & 1UL) != 0;

    /// <inheritdoc/>
    public Determinant128 With(int spinOrbital) => Check(spinOrbital) < 64
        ? new(Low | (1UL << spinOrbital), High)
        : new(Low, High | (1UL << (spinOrbital - 64)));

    /// <inheritdoc/>
    public Determinant128 Without(int spinOrbital) => Check(spinOrbital) < 64
        ? new(Low & ~(1UL << spinOrbital), High)
        : new(Low, High & ~(1UL << (spinOrbital - 64)));

    /// <inheritdoc/>
    public Determinant128 Except(Determinant128 other) => new(Low & ~other.Low, High & ~other.High);

    /// <inheritdoc/>
    public int OccupiedBelow(int spinOrbital) => Check(spinOrbital) < 64
        ? BitOperations.PopCount(Low & SpinBits.Below(spinOrbital))
        : BitOperations.PopCount(Low) + BitOperations.PopCount(High & SpinBits.Below(spinOrbital - 64));

    /// <inheritdoc/>
    public int CopyOccupied(Span<int> spinOrbitals)
    {
        var count = 0;
        for (var rest = Low; rest != 0; rest &= rest - 1)
        {
            spinOrbitals[count++] = BitOperations.TrailingZeroCount(rest);
        }
        for (var rest = High; rest != 0; rest &= rest - 1)
        {
            spinOrbitals[count++] = 64 + BitOperations.TrailingZeroCount(rest);
        }
        return count;
    }

    /// <inheritdoc/>
    public int CompareTo(Determinant128 other) =>
        High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    private static int Check(int spinOrbital) =>
        (uint)spinOrbital < 128u
            ? spinOrbital
            : throw new ArgumentOutOfRangeException(nameof(spinOrbital), spinOrbital, "expected 0 to 127");
}
