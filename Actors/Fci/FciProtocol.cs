using Dataflow.Actors.Runtime;
using MessagePack;

namespace Dataflow.Actors.Fci;

/// <summary>The <c>fci</c> workload's spec: the FCIDUMP text travels with the job, so no node needs the file.</summary>
/// <param name="SourceName">Where the FCIDUMP came from (shown in errors and the result).</param>
/// <param name="ReferenceHartree">An energy to compare with, or null.</param>
/// <param name="Tolerance">Davidson convergence on the energy, in hartree.</param>
[MessagePackObject]
public sealed record FciJobSpec(
    [property: Key(0)] string FcidumpText,
    [property: Key(1)] string SourceName,
    [property: Key(2)] double? ReferenceHartree,
    [property: Key(3)] double Tolerance = 1e-10)
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
    [property: Key(9)] double SolveSeconds) : IDataflowMessage;

/// <summary>FCI stage to driver: the Hamiltonian could not be built or diagonalised.</summary>
[MessagePackObject]
public sealed record FciFailed(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] string Node,
    [property: Key(3)] string Error) : IDataflowMessage;
