using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Quantum;
using MessagePack;

namespace Dataflow.Actors.Fci;

/// <summary>The <c>fci</c> workload's spec: the FCIDUMP text travels with the job, so no node needs the file.</summary>
/// <param name="SourceName">Where the FCIDUMP came from (shown in errors and the result).</param>
/// <param name="ReferenceHartree">An energy to compare with, or null.</param>
/// <param name="Tolerance">Davidson convergence on the energy, in hartree.</param>
/// <param name="Roots">States reported, the lowest over every spin and symmetry sector.</param>
/// <param name="Spin">Total spin S to target (the M_s = S sector), or null for every spin.</param>
/// <param name="FrozenCore">Lowest-energy orbitals kept doubly occupied.</param>
/// <param name="MaxMemoryBytes">Most memory the solve may need; a larger space is refused before any work.</param>
/// <param name="Irrep">The one irreducible representation to solve (ORBSYM label), or null for every irrep.</param>
[MessagePackObject]
public sealed record FciJobSpec(
    [property: Key(0)] string FcidumpText,
    [property: Key(1)] string SourceName,
    [property: Key(2)] double? ReferenceHartree,
    [property: Key(3)] double Tolerance = 1e-10,
    [property: Key(4)] int Roots = 1,
    [property: Key(5)] int? Spin = null,
    [property: Key(6)] int FrozenCore = 0,
    [property: Key(7)] long? MaxMemoryBytes = null,
    [property: Key(8)] int? Irrep = null)
{
    /// <summary>Most roots a job may ask for.</summary>
    public const int MaxRoots = 50;

    /// <summary>The solver's options for this job on <paramref name="maxDegreeOfParallelism"/> threads.</summary>
    public DirectFullCiOptions SolverOptions(int maxDegreeOfParallelism = -1) => new()
    {
        Roots = Roots,
        Spin = Spin,
        FrozenCore = FrozenCore,
        Irrep = Irrep,
        Davidson = new DavidsonOptions { EnergyToleranceHartree = Tolerance, MaxDegreeOfParallelism = maxDegreeOfParallelism },
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(FcidumpText))
        {
            throw new ArgumentException("fcidump is empty", nameof(FcidumpText));
        }
        if (!(Tolerance > 0 && Tolerance < 1))
        {
            throw new ArgumentException($"tolerance must be in (0, 1) hartree (got {Tolerance})", nameof(Tolerance));
        }
        if (Roots < 1 || Roots > MaxRoots)
        {
            throw new ArgumentException($"roots must be 1 to {MaxRoots} (got {Roots})", nameof(Roots));
        }
        if (Spin is < 0)
        {
            throw new ArgumentException($"spin must be 0 or more (got {Spin})", nameof(Spin));
        }
        if (FrozenCore < 0)
        {
            throw new ArgumentException($"frozen core must be 0 or more (got {FrozenCore})", nameof(FrozenCore));
        }
        if (Irrep is < 1 or > 8)
        {
            throw new ArgumentException($"irrep must be an ORBSYM label, 1 to 8 (got {Irrep})", nameof(Irrep));
        }
        if (MaxMemoryBytes is <= 0)
        {
            throw new ArgumentException($"max memory must be positive (got {MaxMemoryBytes})", nameof(MaxMemoryBytes));
        }
    }
}

/// <summary>FCI driver to a node agent (forwarded to the job's stage): diagonalise this job's Hamiltonian.</summary>
[MessagePackObject]
public sealed record FciWork(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation) : IStageMessage;

/// <summary>FCI stage to driver: the ground state.</summary>
[MessagePackObject]
public sealed record FciSolved(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string Node,
    [property: Key(3)] double EnergyHartree,
    [property: Key(4)] long Dimension,
    [property: Key(5)] long NonZeros,
    [property: Key(6)] int Iterations,
    [property: Key(7)] double ResidualNorm,
    [property: Key(8)] double BuildSeconds,
    [property: Key(9)] double SolveSeconds,
    [property: Key(10)] double[] RootEnergies,
    [property: Key(11)] double[] RootSpinSquared,
    [property: Key(12)] int[] RootIrreps,
    [property: Key(13)] long PeakMemoryBytes) : IDataflowMessage;

/// <summary>FCI stage to driver, after each Davidson iteration: the lowest Ritz value, the largest residual of the
/// tracked states and the seconds since the solve began.</summary>
[MessagePackObject]
public sealed record FciIteration(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] int Iteration,
    [property: Key(3)] double EnergyHartree,
    [property: Key(4)] double Residual,
    [property: Key(5)] double Seconds) : IDataflowMessage;

/// <summary>FCI stage to driver: the Hamiltonian could not be built or diagonalised.</summary>
[MessagePackObject]
public sealed record FciFailed(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string Node,
    [property: Key(3)] string Error) : IDataflowMessage;
