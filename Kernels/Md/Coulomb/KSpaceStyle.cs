namespace Dataflow.Kernels.Md.Coulomb;

/// <summary>Reciprocal-space solver of a <see cref="KSpaceForceProvider"/> (LAMMPS <c>kspace_style</c>).</summary>
public enum KSpaceStyle
{
    /// <summary>Classical Ewald sum, <c>kspace_style ewald</c>.</summary>
    Ewald,

    /// <summary>Particle-particle particle-mesh with ik differentiation, <c>kspace_style pppm</c>.</summary>
    Pppm,
}
