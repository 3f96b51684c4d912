using System.Security.Cryptography;
using System.Text;
using Dataflow.Actors.Fci;
using Dataflow.Actors.Runtime;

// Results are what a DSL user reads: they live in the DSL's namespace, beside the driver that writes them.
namespace Dataflow.Fci;

/// <summary>The result of an <c>fci</c> job, as written by <c>--json</c>.</summary>
/// <param name="Energy">The ground-state energy in hartree.</param>
/// <param name="Dimension">Determinants in the (N, Sz) sector.</param>
/// <param name="Reference">The energy compared with (<c>--reference</c>), if given.</param>
/// <param name="Error">Energy minus reference, if a reference was given.</param>
/// <param name="Inputs">The job as run: every option, defaults included.</param>
/// <param name="Determinants">Determinants of the sector solved (after freezing the core).</param>
/// <param name="PeakMemoryBytes">Peak working set of the solving process during the solve.</param>
/// <param name="Roots">The lowest states by energy, the ground state first.</param>
public sealed record FciResult(
    string Workload,
    string Fcidump,
    double Energy,
    long Dimension,
    long NonZeros,
    int Iterations,
    double ResidualNorm,
    string Node,
    int PlacementChanges,
    double? Reference,
    double? Error,
    FciInputs Inputs,
    long Determinants,
    long PeakMemoryBytes,
    FciRoot[] Roots) : WorkloadResult
{
    /// <summary>The inputs of <paramref name="job"/> (the FCIDUMP by name and hash, not its text).</summary>
    public static FciInputs InputsOf(FciJobSpec job) =>
        new(job.SourceName, Sha256(job.FcidumpText), job.ReferenceHartree, job.Tolerance, job.Roots, job.Spin,
            job.FrozenCore, job.MaxMemoryBytes, job.Irrep);

    internal static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>The options of an <c>fci</c> job.</summary>
/// <param name="FcidumpSha256">SHA-256 of the FCIDUMP text (UTF-8) the job carried.</param>
/// <param name="Tolerance">Davidson convergence on the energy, in hartree.</param>
/// <param name="Roots">States asked for.</param>
/// <param name="Spin">Total spin targeted, or null for every spin.</param>
/// <param name="FrozenCore">Orbitals frozen doubly occupied.</param>
/// <param name="MaxMemoryBytes">The memory limit given, or null for the machine's memory.</param>
/// <param name="Irrep">The one irrep solved (ORBSYM label), or null for every irrep.</param>
public sealed record FciInputs(
    string Fcidump, string FcidumpSha256, double? Reference, double Tolerance, int Roots, int? Spin, int FrozenCore,
    long? MaxMemoryBytes, int? Irrep);

/// <summary>One state of an <c>fci</c> result.</summary>
/// <param name="Energy">Total energy in hartree.</param>
/// <param name="S2">&lt;S^2&gt;.</param>
/// <param name="Irrep">Irreducible representation in the FCIDUMP's ORBSYM numbering (1 = totally symmetric).</param>
public sealed record FciRoot(double Energy, double S2, int Irrep);
