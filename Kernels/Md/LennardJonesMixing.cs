namespace Dataflow.Kernels.Md;

/// <summary>How unset unlike-pair Lennard-Jones coefficients are derived from like pairs (LAMMPS
/// <c>pair_modify mix</c>, docs.lammps.org/pair_modify.html; <c>Pair::mix_energy</c> and
/// <c>Pair::mix_distance</c> in src/pair.cpp).</summary>
public enum LennardJonesMixing
{
    /// <summary>eps_ij = sqrt(eps_i eps_j), sigma_ij = sqrt(sigma_i sigma_j), cut_ij = sqrt(cut_i cut_j): the
    /// default for lj/cut.</summary>
    Geometric,

    /// <summary>eps_ij = sqrt(eps_i eps_j), sigma_ij = (sigma_i + sigma_j) / 2, cut_ij = (cut_i + cut_j) / 2
    /// (Lorentz-Berthelot).</summary>
    Arithmetic,

    /// <summary>eps_ij = 2 sqrt(eps_i eps_j) sigma_i^3 sigma_j^3 / (sigma_i^6 + sigma_j^6),
    /// sigma_ij = ((sigma_i^6 + sigma_j^6) / 2)^(1/6), cut_ij likewise (Waldman-Hagler).</summary>
    SixthPower,
}
