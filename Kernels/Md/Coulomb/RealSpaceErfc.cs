namespace Dataflow.Kernels.Md.Coulomb;

/// <summary>How a pair loop evaluates erfc(g r) in the real-space Coulomb term.</summary>
public enum RealSpaceErfc
{
    /// <summary>LAMMPS' analytic form (<c>pair_modify table 0</c>): the five-term fit of Abramowitz &amp; Stegun
    /// 7.1.26 with LAMMPS' constants (src/KSPACE/pair_lj_cut_coul_long.cpp), absolute error below 1.5e-7. The
    /// force uses the exact derivative of erfc, so forces and energy are consistent only to that error.</summary>
    LammpsPolynomial,

    /// <summary>erfc to double precision (<see cref="LongRange.ComplementaryErrorFunction"/>): forces are the exact
    /// gradient of the energy.</summary>
    Exact,
}
