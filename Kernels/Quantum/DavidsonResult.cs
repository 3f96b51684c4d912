namespace Dataflow.Kernels.Quantum;

/// <summary>The lowest eigenpair found by <see cref="DavidsonSolver"/>.</summary>
/// <param name="Eigenvalue">Lowest eigenvalue (the Ritz value at convergence).</param>
/// <param name="Eigenvector">Normalised eigenvector, its largest-magnitude component positive.</param>
/// <param name="Iterations">Matrix-vector products used.</param>
/// <param name="ResidualNorm">||A x - lambda x|| at the end.</param>
/// <param name="LastChange">|change of the eigenvalue| in the last iteration.</param>
public sealed record DavidsonResult(
    double Eigenvalue, double[] Eigenvector, int Iterations, double ResidualNorm, double LastChange);
