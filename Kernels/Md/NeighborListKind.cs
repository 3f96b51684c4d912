namespace Dataflow.Kernels.Md;

/// <summary>Whether a neighbour list holds each pair once or twice.</summary>
public enum NeighborListKind
{
    /// <summary>Each pair once, under one of its two atoms (LAMMPS <c>half</c> with <c>newton on</c>): the pair
    /// loop adds the force to both atoms.</summary>
    Half,

    /// <summary>Each pair under both atoms (LAMMPS <c>full</c>): each atom sums its own force, with no writes to
    /// neighbours, which suits a GPU thread per atom and many-body potentials such as Deep Potential.</summary>
    Full,
}
