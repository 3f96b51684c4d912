namespace Dataflow.Kernels.Quantum;

/// <summary>A Slater determinant as an occupation bit string over spin orbitals, 2p = alpha and 2p + 1 = beta
/// of spatial orbital p.</summary>
/// <remarks>
/// <para>Bit k set means spin orbital k is occupied. The determinant is the ordered product
/// a†_{k1} a†_{k2} ... |vac> with k1 &lt; k2 &lt; ..., so the fermionic sign of an operator on spin orbital k is
/// (-1)^(occupied spin orbitals below k) (Szabo and Ostlund, section 2.4).</para>
/// <para>Interleaving alpha and beta puts the two spin orbitals of one spatial orbital next to each other: the
/// two bits of spatial orbital p are the NNQS-Transformer's 4-state token for p
/// (see <see cref="Determinants.ToTokens{T}"/>).</para>
/// <para>Implemented by <see cref="Determinant64"/> (up to 64 spin orbitals) and <see cref="Determinant128"/>
/// (up to 128); the Hamiltonian and the FCI solver are generic over this interface and compile to a
/// specialisation per type.</para>
/// </remarks>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
public interface IDeterminant<TSelf> : IEquatable<TSelf>, IComparable<TSelf>
    where TSelf : unmanaged, IDeterminant<TSelf>
{
    /// <summary>Number of spin orbitals the type can hold.</summary>
    static abstract int MaxSpinOrbitals { get; }

    /// <summary>The empty determinant (the vacuum).</summary>
    static abstract TSelf Empty { get; }

    /// <summary>The determinant with alpha electrons in the spatial orbitals set in <paramref name="alphaString"/>
    /// and beta electrons in those set in <paramref name="betaString"/> (bit p = spatial orbital p).</summary>
    static abstract TSelf FromSpinStrings(ulong alphaString, ulong betaString);

    /// <summary>Spatial orbitals holding an alpha electron, bit p = spatial orbital p.</summary>
    ulong AlphaString { get; }

    /// <summary>Spatial orbitals holding a beta electron, bit p = spatial orbital p.</summary>
    ulong BetaString { get; }

    /// <summary>Number of electrons.</summary>
    int ElectronCount { get; }

    /// <summary>Number of alpha electrons (even spin orbitals).</summary>
    int AlphaCount { get; }

    /// <summary>Number of beta electrons (odd spin orbitals).</summary>
    int BetaCount { get; }

    /// <summary>True when spin orbital <paramref name="spinOrbital"/> is occupied.</summary>
    bool IsOccupied(int spinOrbital);

    /// <summary>This determinant with spin orbital <paramref name="spinOrbital"/> occupied.</summary>
    TSelf With(int spinOrbital);

    /// <summary>This determinant with spin orbital <paramref name="spinOrbital"/> empty.</summary>
    TSelf Without(int spinOrbital);

    /// <summary>Spin orbitals occupied here and not in <paramref name="other"/> (this AND NOT other).</summary>
    TSelf Except(TSelf other);

    /// <summary>Number of occupied spin orbitals with index below <paramref name="spinOrbital"/>: the exponent of
    /// the fermionic sign of a creation or annihilation operator on it.</summary>
    int OccupiedBelow(int spinOrbital);

    /// <summary>Writes the occupied spin orbitals in ascending order and returns how many there are.</summary>
    /// <param name="spinOrbitals">Destination; at least <see cref="ElectronCount"/> long.</param>
    int CopyOccupied(Span<int> spinOrbitals);
}
