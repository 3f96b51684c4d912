namespace Dataflow.Kernels.Quantum;

/// <summary>Convergence settings of <see cref="DavidsonSolver"/>.</summary>
public sealed record DavidsonOptions
{
    /// <summary>Defaults: residual 1e-7, energy change 1e-10 Ha, 300 iterations, subspace of 40, all cores.</summary>
    public static DavidsonOptions Default { get; } = new();

    /// <summary>Converged once ||H x - theta x|| is at most this (hartree; x normalised). The eigenvalue error is
    /// then about its square over the gap to the next state, far below the energy tolerance.</summary>
    public double ResidualTolerance { get; init; } = 1e-7;

    /// <summary>...and once the eigenvalue changed by at most this between iterations, hartree.</summary>
    public double EnergyToleranceHartree { get; init; } = 1e-10;

    /// <summary>Matrix-vector products before giving up.</summary>
    public int MaxIterations { get; init; } = 300;

    /// <summary>Subspace size at which the basis collapses to the current Ritz vector.</summary>
    public int MaxSubspace { get; init; } = 40;

    /// <summary>Most threads for matrix construction and products; -1 for no limit.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}
