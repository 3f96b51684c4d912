namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>The order in which the autoregressive wavefunction visits the orbitals.</summary>
public enum OrbitalOrder
{
    /// <summary>Ascending orbital energy (see <see cref="Quantum.Fcidump.EnergyOrder"/>).</summary>
    Energy,

    /// <summary>The FCIDUMP file's order.</summary>
    File,
}
