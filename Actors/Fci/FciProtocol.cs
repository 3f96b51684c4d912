using Dataflow.Actors.Runtime;

namespace Dataflow.Actors.Fci;

/// <summary>The <c>fci</c> workload's spec: the FCIDUMP text travels with the job, so no node needs the file.</summary>
/// <param name="SourceName">Where the FCIDUMP came from (shown in errors and the result).</param>
/// <param name="ReferenceHartree">An energy to compare with, or null.</param>
/// <param name="Tolerance">Davidson convergence on the energy, in hartree.</param>
public sealed record FciJobSpec(string FcidumpText, string SourceName, double? ReferenceHartree, double Tolerance = 1e-10)
{
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
    }
}

/// <summary>FCI driver to a node agent (forwarded to the job's stage): diagonalise this job's Hamiltonian.</summary>
public sealed record FciWork(string JobId, int Generation) : IStageMessage;

/// <summary>FCI stage to driver: the ground state.</summary>
public sealed record FciSolved(string JobId, int Generation, string Node, double EnergyHartree, long Dimension,
    long NonZeros, int Iterations, double ResidualNorm, double BuildSeconds, double SolveSeconds) : IDataflowMessage;

/// <summary>FCI stage to driver: the Hamiltonian could not be built or diagonalised.</summary>
public sealed record FciFailed(string JobId, int Generation, string Node, string Error) : IDataflowMessage;
