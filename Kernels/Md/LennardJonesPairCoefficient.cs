namespace Dataflow.Kernels.Md;

/// <summary>One <c>pair_coeff I J epsilon sigma [cutoff]</c> line of LAMMPS' lj/cut
/// (docs.lammps.org/pair_lj.html).</summary>
/// <param name="TypeI">First atom type, from 1.</param>
/// <param name="TypeJ">Second atom type, from 1; the order of the two does not matter.</param>
/// <param name="Epsilon">Well depth, energy units.</param>
/// <param name="Sigma">Distance at which the potential is zero, distance units.</param>
/// <param name="Cutoff">Cutoff for this pair, distance units; null takes the global cutoff.</param>
public sealed record LennardJonesPairCoefficient(int TypeI, int TypeJ, double Epsilon, double Sigma, double? Cutoff = null);
