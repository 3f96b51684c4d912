namespace Dataflow.Kernels.Md;

/// <summary>What a force evaluation must produce besides forces, which are always computed (LAMMPS' eflag and
/// vflag).</summary>
[Flags]
public enum ForceTerms
{
    /// <summary>Forces only.</summary>
    Forces = 0,

    /// <summary>Total potential energy, <see cref="ForceResult.Energy"/>.</summary>
    Energy = 1,

    /// <summary>Total virial tensor, <see cref="ForceResult.Virial"/>.</summary>
    Virial = 2,

    /// <summary>Energy per atom, <see cref="ForceResult.PerAtomEnergy"/>.</summary>
    PerAtomEnergy = 4,

    /// <summary>Virial per atom, <see cref="ForceResult.PerAtomVirial"/>.</summary>
    PerAtomVirial = 8,

    /// <summary>Everything.</summary>
    All = Energy | Virial | PerAtomEnergy | PerAtomVirial,
}
