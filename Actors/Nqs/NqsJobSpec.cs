using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using System.Security.Cryptography;
using System.Text;
using MessagePack;

namespace Dataflow.Actors.Nqs;

/// <summary>The <c>nqs</c> workload's spec: the FCIDUMP text and the VMC settings (defaults those of
/// <see cref="VmcOptions"/>).</summary>
/// <param name="Samples">Logical samples per iteration at the end of the growth schedule; 0 keeps the default.</param>
/// <param name="Eloc"><c>exact</c> or <c>sample-space</c>.</param>
/// <param name="LogicalSamplers">Sampler work items per iteration (prefix groups).</param>
/// <param name="Evaluators">Local-energy and gradient work items per iteration (cost-balanced sample ranges); 0, the
/// default, runs one per compute node. Results do not depend on it.</param>
/// <param name="CheckpointEvery">Iterations between checkpoints (replicated to every node, and kept as files with
/// <paramref name="CheckpointFiles"/>).</param>
/// <param name="Optimizer"><c>adamw-sr</c> (AdamW, then stochastic reconfiguration), <c>adamw</c> or <c>sr</c>.</param>
/// <param name="OrbitalOrder"><c>energy</c> (ascending orbital energy) or <c>file</c>: the order the model visits the orbitals.</param>
/// <param name="IntraOpThreads">libtorch intra-op threads of sampling and local energies; 0 keeps the default.</param>
/// <param name="GradientThreads">libtorch intra-op threads of gradients and the reconfiguration step; 0 keeps the
/// default. Both counts are part of the determinism contract: the same values give the same history wherever the work
/// runs.</param>
/// <param name="CheckpointFiles">Whether checkpoints are also kept as files: each is sent to the client (which writes it
/// to its own <c>--resume</c> directory) and written in the job's folder under the driver host's work directory.</param>
/// <param name="FrozenCore">Lowest-energy orbitals kept doubly occupied and folded into the core energy and an
/// effective one-electron operator (<see cref="Kernels.Quantum.FrozenCore.Fold"/>), as <c>fci --frozen-core</c> does:
/// the wavefunction covers the other orbitals only.</param>
/// <remarks>Key 13 is retired: it was a checkpoint directory on the driver's host, a path the client chose. A resumed
/// job carries its checkpoint in <see cref="Runtime.JobSpec.Checkpoint"/>.</remarks>
[MessagePackObject]
public sealed record NqsJobSpec(
    [property: Key(0)] string FcidumpText,
    [property: Key(1)] string SourceName,
    [property: Key(2)] int Iterations = VmcOptions.DefaultIterations,
    [property: Key(3)] long Samples = 0,
    [property: Key(4)] long Seed = 1,
    [property: Key(5)] int Layers = 0,
    [property: Key(6)] int DModel = 0,
    [property: Key(7)] int Heads = 0,
    [property: Key(8)] string Eloc = "exact",
    [property: Key(9)] double? ReferenceHartree = null,
    [property: Key(10)] int LogicalSamplers = 4,
    [property: Key(11)] int Evaluators = 0,
    [property: Key(12)] int CheckpointEvery = 10,
    [property: Key(14)] string Optimizer = "adamw-sr",
    [property: Key(15)] string OrbitalOrder = "energy",
    [property: Key(16)] int IntraOpThreads = 0,
    [property: Key(17)] int GradientThreads = 0,
    [property: Key(18)] bool CheckpointFiles = false,
    [property: Key(19)] int FrozenCore = 0)
{
    /// <summary>The accepted values of <see cref="Optimizer"/>.</summary>
    public static IReadOnlyDictionary<string, VmcUpdate> Optimizers { get; } = new Dictionary<string, VmcUpdate>
    {
        ["adamw-sr"] = VmcUpdate.AdamWThenReconfiguration,
        ["adamw"] = VmcUpdate.AdamW,
        ["sr"] = VmcUpdate.StochasticReconfiguration,
    };

    /// <summary>The VMC options these settings give.</summary>
    public VmcOptions Options()
    {
        var defaults = new VmcOptions();
        var model = defaults.Model;
        model = model with
        {
            Layers = Layers > 0 ? Layers : model.Layers,
            DModel = DModel > 0 ? DModel : model.DModel,
            Heads = Heads > 0 ? Heads : model.Heads,
        };
        return defaults with
        {
            Iterations = Iterations,
            Samples = Samples > 0 ? Samples : defaults.Samples,
            InitialSamples = Samples > 0 ? Math.Min(defaults.InitialSamples, Samples) : defaults.InitialSamples,
            Seed = Seed,
            LocalEnergyMode = Eloc == "sample-space" ? LocalEnergyMode.SampleSpace : LocalEnergyMode.Exact,
            Model = model,
            Update = Optimizers.TryGetValue(Optimizer, out var update) ? update : defaults.Update,
            OrbitalOrder = OrbitalOrder == "file" ? Kernels.Nqs.Vmc.OrbitalOrder.File : Kernels.Nqs.Vmc.OrbitalOrder.Energy,
            Threads = IntraOpThreads > 0 ? IntraOpThreads : defaults.Threads,
            GradientThreads = GradientThreads > 0 ? GradientThreads : defaults.GradientThreads,
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(FcidumpText))
        {
            throw new ArgumentException("fcidump is empty", "fcidump");
        }
        if (Eloc is not ("exact" or "sample-space"))
        {
            throw new ArgumentException($"eloc must be exact or sample-space (got '{Eloc}')", "eloc");
        }
        if (!Optimizers.ContainsKey(Optimizer))
        {
            throw new ArgumentException($"optimizer must be {string.Join(", ", Optimizers.Keys)} (got '{Optimizer}')", "optimizer");
        }
        if (OrbitalOrder is not ("energy" or "file"))
        {
            throw new ArgumentException($"orbital-order must be energy or file (got '{OrbitalOrder}')", "orbital-order");
        }
        if (CheckpointEvery < 1)
        {
            throw new ArgumentException($"checkpoint-every must be at least 1 (got {CheckpointEvery})", "checkpoint-every");
        }
        if (LogicalSamplers < 1)
        {
            throw new ArgumentException($"samplers must be at least 1 (got {LogicalSamplers})", "samplers");
        }
        if (IntraOpThreads < 0)
        {
            throw new ArgumentException($"intra-op-threads must be 0 (the default) or more (got {IntraOpThreads})", "intra-op-threads");
        }
        if (GradientThreads < 0)
        {
            throw new ArgumentException($"gradient-threads must be 0 (the default) or more (got {GradientThreads})", "gradient-threads");
        }
        if (Evaluators < 0)
        {
            throw new ArgumentException($"evaluators must be 0 (one per node) or more (got {Evaluators})", "evaluators");
        }
        if (FrozenCore < 0)
        {
            throw new ArgumentException($"frozen-core must be 0 (the default) or more (got {FrozenCore})", "frozen-core");
        }
        try
        {
            Options().Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, e.ParamName ?? "options", e);
        }
        try
        {
            Hamiltonian();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"frozen-core: {e.Message.Replace(" (Parameter 'count')", "", StringComparison.Ordinal)}", "frozen-core", e);
        }
    }

    /// <summary>The settings that decide the run's history, as <c>name value</c> pairs named as the command line names
    /// them (the FCIDUMP by the SHA-256 of its text, model sizes and thread counts resolved from their defaults). A
    /// checkpoint records them, and a job resumed from it must have the same ones: the reference energy, the evaluator
    /// count and the checkpoint settings, which change no result, are not among them.</summary>
    public string[] Identity()
    {
        var o = Options();
        return
        [
            $"fcidump sha256:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FcidumpText)))}",
            $"frozen-core {FrozenCore}",
            $"iterations {Iterations}",
            $"samples {o.Samples}",
            $"seed {Seed}",
            $"layers {o.Model.Layers}",
            $"d-model {o.Model.DModel}",
            $"heads {o.Model.Heads}",
            $"eloc {Eloc}",
            $"samplers {LogicalSamplers}",
            $"optimizer {Optimizer}",
            $"orbital-order {OrbitalOrder}",
            $"intra-op-threads {o.Threads}",
            $"gradient-threads {o.GradientThreads}",
        ];
    }

    /// <summary>The Hamiltonian the wavefunction sees: the FCIDUMP with <see cref="FrozenCore"/> orbitals folded in.</summary>
    /// <exception cref="FcidumpFormatException">The text is not a valid FCIDUMP (naming the line).</exception>
    /// <exception cref="ArgumentException">The frozen core does not fit the molecule.</exception>
    public Fcidump Hamiltonian()
    {
        var fcidump = FcidumpReader.ParseText(FcidumpText, SourceName);
        return FrozenCore > 0 ? Kernels.Quantum.FrozenCore.Fold(fcidump, FrozenCore) : fcidump;
    }
}
