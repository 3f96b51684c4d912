namespace Dataflow.Kernels.Quantum;

/// <summary>One molecule shipped with the framework: its geometry and Psi4's reference energies, from
/// <c>Quantum/Data/molecules.json</c>.</summary>
public sealed record BundledMolecule
{
    /// <summary>Short name, also the FCIDUMP's file name without extension (<c>h2</c>, <c>lih</c>, <c>h2o</c>, <c>n2</c>).</summary>
    public required string Name { get; init; }

    /// <summary>One line: formula and internal coordinates.</summary>
    public required string Description { get; init; }

    /// <summary>The Z-matrix given to Psi4 (charge and multiplicity first), angstrom and degrees.</summary>
    public required string ZmatrixAngstrom { get; init; }

    /// <summary>Cartesian coordinates in Psi4's standard orientation.</summary>
    public required IReadOnlyList<BundledAtom> Atoms { get; init; }

    /// <summary>Abelian point group Psi4 used; the FCIDUMP's ORBSYM labels refer to it.</summary>
    public required string PointGroup { get; init; }

    /// <summary>Gaussian basis set.</summary>
    public required string Basis { get; init; }

    /// <summary>Whether core orbitals were frozen (never, for the bundled files: FCI over every orbital).</summary>
    public required bool FrozenCore { get; init; }

    /// <summary>Psi4 version that wrote the FCIDUMP and computed the energies.</summary>
    public required string Psi4Version { get; init; }

    /// <summary>Nuclear repulsion energy, hartree.</summary>
    public required double NuclearRepulsionHartree { get; init; }

    /// <summary>Psi4's restricted Hartree-Fock energy, hartree.</summary>
    public required double RhfEnergyHartree { get; init; }

    /// <summary>Psi4's <c>energy('fci')</c> total energy, hartree.</summary>
    public required double FciEnergyHartree { get; init; }
}
