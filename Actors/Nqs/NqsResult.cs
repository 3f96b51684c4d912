using System.Text.Json.Serialization;
using Dataflow.Actors.Nqs;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Nqs.Vmc;

// Results are what a DSL user reads: they live in the DSL's namespace, beside the driver that writes them.
namespace Dataflow.Nqs;

/// <summary>The result of an <c>nqs</c> job, as written by <c>--json</c>.</summary>
/// <param name="Energy">Mean energy of the last averaged iterations, hartree.</param>
/// <param name="EnergyStdErr">Standard error of that mean from the fluctuation of the averaged iterations' energies
/// (blocking analysis, <c>VmcOptimizer.Summarise</c>), hartree: the statistical uncertainty only, not the variational
/// bias (the distance above the exact ground state).</param>
/// <param name="Variance">Mean variance of the local energy over the averaged iterations, hartree^2 (zero for an
/// exact eigenstate: the usual convergence signal).</param>
/// <param name="NUnique">Unique samples of the last iteration.</param>
/// <param name="Reference">The energy compared with (<c>--reference</c>, or the bundled molecule's FCI), if any.</param>
/// <param name="Error">Energy minus reference, if a reference is known.</param>
/// <param name="History">Every iteration.</param>
/// <param name="Inputs">The job as run: every option, defaults included.</param>
public sealed record NqsResult(
    string Workload,
    string Fcidump,
    double Energy,
    double EnergyStdErr,
    double Variance,
    int Iterations,
    [property: JsonPropertyName("nUnique")] int NUnique,
    int PlacementChanges,
    double? Reference,
    double? Error,
    NqsIteration[] History,
    NqsInputs Inputs) : WorkloadResult
{
    /// <summary>The inputs of <paramref name="job"/> with defaults resolved (the FCIDUMP by name and hash).</summary>
    public static NqsInputs InputsOf(NqsJobSpec job)
    {
        var options = job.Options();
        return new NqsInputs(job.SourceName, Dataflow.Fci.FciResult.Sha256(job.FcidumpText), options.Iterations,
            options.Samples, options.Seed, options.Model.Layers, options.Model.DModel, options.Model.Heads, job.Eloc,
            job.ReferenceHartree, job.LogicalSamplers, job.Evaluators, job.CheckpointEvery, job.CheckpointFiles,
            job.Optimizer, job.OrbitalOrder, options.Threads, options.GradientThreads, job.FrozenCore);
    }
}

/// <summary>One VMC iteration of an <c>nqs</c> result.</summary>
/// <param name="Seconds">Sampling, local-energy and update seconds together.</param>
public sealed record NqsIteration(int Iteration, double Energy, double Variance, double Seconds, int Unique,
    double SamplingSeconds, double LocalEnergySeconds, double GradientSeconds)
{
    /// <summary>The record of <paramref name="i"/>.</summary>
    public static NqsIteration From(VmcIteration i) => new(i.Iteration, i.EnergyHartree, i.VarianceHartree2,
        i.SamplingSeconds + i.LocalEnergySeconds + i.GradientSeconds, i.Unique, i.SamplingSeconds, i.LocalEnergySeconds,
        i.GradientSeconds);
}

/// <summary>The options of an <c>nqs</c> job, defaults resolved.</summary>
/// <param name="FcidumpSha256">SHA-256 of the FCIDUMP text (UTF-8) the job carried.</param>
/// <param name="FrozenCore">Lowest-energy orbitals folded into the Hamiltonian as a doubly occupied core.</param>
public sealed record NqsInputs(string Fcidump, string FcidumpSha256, int Iterations, long Samples, long Seed, int Layers,
    int DModel, int Heads, string Eloc, double? Reference, int LogicalSamplers, int Evaluators, int CheckpointEvery,
    bool CheckpointFiles, string Optimizer, string OrbitalOrder, int IntraOpThreads, int GradientThreads, int FrozenCore);
