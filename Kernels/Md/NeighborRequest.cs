namespace Dataflow.Kernels.Md;

/// <summary>The neighbour list an <see cref="IForceProvider"/> needs (LAMMPS' <c>neighbor->request</c>).</summary>
/// <param name="Cutoff">Interaction cutoff, distance units; the list holds pairs within it plus the skin.</param>
/// <param name="Kind">Half or full.</param>
public sealed record NeighborRequest(double Cutoff, NeighborListKind Kind);
