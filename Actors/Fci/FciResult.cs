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
    FciInputs Inputs) : WorkloadResult
{
    /// <summary>The inputs of <paramref name="job"/> (the FCIDUMP by name and hash, not its text).</summary>
    public static FciInputs InputsOf(FciJobSpec job) =>
        new(job.SourceName, Sha256(job.FcidumpText), job.ReferenceHartree, job.Tolerance);

    internal static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>The options of an <c>fci</c> job.</summary>
/// <param name="FcidumpSha256">SHA-256 of the FCIDUMP text (UTF-8) the job carried.</param>
/// <param name="Tolerance">Davidson convergence on the energy, in hartree.</param>
public sealed record FciInputs(string Fcidump, string FcidumpSha256, double? Reference, double Tolerance);
