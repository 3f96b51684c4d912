using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Md;

/// <summary>Scalars of one <see cref="LennardJonesCutKernel"/> launch, passed by value.</summary>
/// <param name="AtomCount">Atoms, one kernel index each.</param>
/// <param name="TypeCount">Atom types; the pair table has TypeCount^2 rows.</param>
/// <param name="BoxX">Box length along x, distance units, for the neighbour image shifts.</param>
/// <param name="BoxY">Box length along y.</param>
/// <param name="BoxZ">Box length along z.</param>
/// <param name="Tally">1 to write per-atom energy and virial, 0 for forces only.</param>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct LennardJonesCutKernelParameters(
    int AtomCount, int TypeCount, double BoxX, double BoxY, double BoxZ, int Tally);
