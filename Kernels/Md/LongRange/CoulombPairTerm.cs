namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Real-space Ewald interaction of one pair, as a pair loop consumes it.</summary>
/// <param name="Energy">Pair energy, <c>qqr2e q_i q_j erfc(g r) / r</c>.</param>
/// <param name="ForceOverR">Force magnitude divided by r (LAMMPS <c>fpair</c>): the force on i is
/// <c>ForceOverR * (r_i - r_j)</c>, positive when repulsive.</param>
public readonly record struct CoulombPairTerm(double Energy, double ForceOverR);
