using Dataflow.Kernels.Md.Coulomb;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>The domain pair loop of an engine pair style, with the style's resolved coefficients (mixing, shift and
/// cutoffs as the style itself applies them).</summary>
public static class DomainPairStyles
{
    /// <summary>The plain C# domain loop of <paramref name="provider"/>.</summary>
    /// <param name="provider">A <see cref="LennardJonesCut"/> or <see cref="LennardJonesCutCoulombLong"/>.</param>
    /// <param name="units">Unit style, for the Coulomb constant of charged styles.</param>
    /// <param name="threads">Threads of the loop; 0 for all processors.</param>
    /// <exception cref="NotSupportedException">The provider has no domain loop.</exception>
    public static IDomainPairStyle Create(IForceProvider provider, UnitSystem units, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(units);
        return provider switch
        {
            LennardJonesCut lj => new DomainLennardJonesCut(lj, threads),
            LennardJonesCutCoulombLong coul => new DomainLennardJonesCutCoulombLong(coul, units, threads),
            _ => throw new NotSupportedException($"pair style {provider.Name} has no domain pair loop"),
        };
    }
}
