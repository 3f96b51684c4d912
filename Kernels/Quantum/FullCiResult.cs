namespace Dataflow.Kernels.Quantum;

/// <summary>The full-CI ground state of one (N_alpha, N_beta) sector.</summary>
/// <typeparam name="T">Determinant representation.</typeparam>
public sealed record FullCiResult<T>
    where T : unmanaged, IDeterminant<T>
{
    /// <summary>Total ground-state energy, core energy included, hartree.</summary>
    public required double EnergyHartree { get; init; }

    /// <summary>The sector; <c>Space[k]</c> is the determinant of <see cref="Coefficients"/>[k].</summary>
    public required CiSpace<T> Space { get; init; }

    /// <summary>Normalised ground-state coefficients, the largest-magnitude one positive.</summary>
    public required double[] Coefficients { get; init; }

    /// <summary>Stored entries of the sparse Hamiltonian (both triangles and the diagonal); 0 for a dense solve.</summary>
    public required long NonZeroCount { get; init; }

    /// <summary>Davidson iterations (matrix-vector products); 0 for a dense solve.</summary>
    public required int Iterations { get; init; }

    /// <summary>||H c - E c|| at the end, hartree.</summary>
    public required double ResidualNorm { get; init; }

    /// <summary>Time spent building the Hamiltonian matrix.</summary>
    public required TimeSpan BuildTime { get; init; }

    /// <summary>Time spent in the eigensolver.</summary>
    public required TimeSpan SolveTime { get; init; }

    /// <summary>The determinants in coefficient order.</summary>
    public T[] Determinants() => Space.ToArray();
}
