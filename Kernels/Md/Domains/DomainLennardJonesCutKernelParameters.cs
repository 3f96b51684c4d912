using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>Scalars of one <see cref="DomainLennardJonesCutKernel"/> launch, passed by value.</summary>
/// <param name="OwnedCount">Owned atoms, one kernel index each.</param>
/// <param name="TypeCount">Atom types; the pair table has TypeCount^2 rows.</param>
/// <param name="Tally">1 to write per-atom energy and virial, 0 for forces only.</param>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct DomainLennardJonesCutKernelParameters(int OwnedCount, int TypeCount, int Tally);
