using Dataflow.Actors.Nqs;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Input;

namespace Dataflow.Nqs;

/// <summary>Builds an <c>nqs</c> job: <c>Job.Nqs().Fcidump("h2o.fcidump").Iterations(700).Build()</c>.</summary>
/// <remarks>Defaults are <see cref="Kernels.Nqs.Vmc.VmcOptions"/>' (the settings that reach chemical accuracy on the
/// bundled molecules).</remarks>
public sealed class NqsJobBuilder
{
    private NqsJobSpec _spec = new("", "<none>");
    private string? _checkpointDirectory;

    /// <summary>Reads an FCIDUMP file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InputLimitException">The file is larger than <see cref="InputLimits.MaxInputBytes"/>
    /// (<see cref="InputLimits.Current"/>); it is refused before it is read.</exception>
    public NqsJobBuilder Fcidump(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"FCIDUMP file {path} not found", path);
        }
        _spec = _spec with { FcidumpText = BoundedInput.ReadAllText(path, InputLimits.Current, decompress: true), SourceName = path };
        return this;
    }

    /// <summary>Takes FCIDUMP text.</summary>
    public NqsJobBuilder FcidumpText(string text, string sourceName = "<text>")
    {
        _spec = _spec with { FcidumpText = text, SourceName = sourceName };
        return this;
    }

    /// <summary>VMC iterations.</summary>
    public NqsJobBuilder Iterations(int iterations) { _spec = _spec with { Iterations = iterations }; return this; }

    /// <summary>Logical samples per iteration at the end of the growth schedule.</summary>
    public NqsJobBuilder Samples(long samples) { _spec = _spec with { Samples = samples }; return this; }

    /// <summary>Seed of the model initialisation and the sampling streams.</summary>
    public NqsJobBuilder Seed(long seed) { _spec = _spec with { Seed = seed }; return this; }

    /// <summary>Transformer layers, width and heads (0 keeps a default).</summary>
    public NqsJobBuilder Model(int layers, int dModel, int heads)
    {
        _spec = _spec with { Layers = layers, DModel = dModel, Heads = heads };
        return this;
    }

    /// <summary>Local energy mode: <c>exact</c> or <c>sample-space</c>.</summary>
    public NqsJobBuilder Eloc(string mode) { _spec = _spec with { Eloc = mode }; return this; }

    /// <summary>How parameters are updated: <c>adamw-sr</c> (default: AdamW for the first 20 % of the iterations, then
    /// stochastic reconfiguration), <c>adamw</c> or <c>sr</c>.</summary>
    public NqsJobBuilder Optimizer(string optimizer) { _spec = _spec with { Optimizer = optimizer }; return this; }

    /// <summary>The order the model visits the orbitals: <c>energy</c> (default, ascending orbital energy) or <c>file</c>.</summary>
    public NqsJobBuilder OrbitalOrder(string order) { _spec = _spec with { OrbitalOrder = order }; return this; }

    /// <summary>libtorch intra-op threads of sampling and local energies, and of gradients and the reconfiguration step
    /// (0 keeps a default); histories are identical for the same values wherever the work runs.</summary>
    public NqsJobBuilder IntraOpThreads(int threads, int gradientThreads = 0)
    {
        _spec = _spec with { IntraOpThreads = threads, GradientThreads = gradientThreads };
        return this;
    }

    /// <summary>Keeps the <paramref name="orbitals"/> lowest-energy orbitals doubly occupied (folded into the
    /// Hamiltonian), as <c>fci --frozen-core</c> does; default 0.</summary>
    public NqsJobBuilder FrozenCore(int orbitals) { _spec = _spec with { FrozenCore = orbitals }; return this; }

    /// <summary>An energy to report the error against (hartree).</summary>
    public NqsJobBuilder Reference(double? energyHartree) { _spec = _spec with { ReferenceHartree = energyHartree }; return this; }

    /// <summary>Logical samplers and evaluators per iteration (evaluators 0: one per compute node).</summary>
    public NqsJobBuilder Workers(int samplers, int evaluators)
    {
        _spec = _spec with { LogicalSamplers = samplers, Evaluators = evaluators };
        return this;
    }

    /// <summary>Checkpoints every <paramref name="every"/> iterations; with <paramref name="directory"/>, this process
    /// writes each one the job sends it to <c>directory/nqs-checkpoint.msgpack</c> and, when that file already exists
    /// as the job is submitted, the job continues from it (<c>--resume DIR</c>).</summary>
    /// <remarks>The directory is this client's, on an embedded cluster and on a remote one alike: the checkpoint is read
    /// here and travels with the job; no path does. Hosts keep their copies under their own work directory.</remarks>
    public NqsJobBuilder Checkpoints(int every, string? directory = null)
    {
        _spec = _spec with { CheckpointEvery = every, CheckpointFiles = directory is not null };
        _checkpointDirectory = directory is null ? null : Path.GetFullPath(directory);
        return this;
    }

    /// <summary>Checks the job and returns it.</summary>
    public NqsJob Build()
    {
        _spec.Validate();
        return new NqsJob(_spec) { CheckpointDirectory = _checkpointDirectory };
    }
}

/// <summary>A built nqs job.</summary>
/// <param name="Spec">What travels to the cluster.</param>
public sealed record NqsJob(NqsJobSpec Spec) : IJobDefinition, IJobOutputWriter
{
    /// <summary>This client's checkpoint directory (absolute): resumed from when it holds a checkpoint as the job is
    /// submitted, and where the job's checkpoints are written; or null.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <inheritdoc />
    public string Workload => NqsWorkload.Verb;

    /// <inheritdoc />
    /// <remarks>Reads the checkpoint in <see cref="CheckpointDirectory"/>, if any, now: a job submitted again after an
    /// interruption continues from where it stopped.</remarks>
    /// <exception cref="InvalidDataException">The directory holds a file that is not an nqs checkpoint of this build, or
    /// the checkpoint of another job.</exception>
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec), ResumeCheckpoint());

    /// <summary>The checkpoint this job continues from (in <see cref="CheckpointDirectory"/>), checked to be of this
    /// job; null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is not an nqs checkpoint of this build, or was written by a job with
    /// other settings (<see cref="NqsJobSpec.Identity"/>); the message names the file and each setting that differs.</exception>
    public byte[]? ResumeCheckpoint()
    {
        if (CheckpointDirectory is not { } directory || ReadCheckpoint(directory) is not { } bytes)
        {
            return null;
        }
        if (NqsCheckpoint.FromBytes(bytes).Mismatch(Spec.Identity()) is { } mismatch)
        {
            throw new InvalidDataException($"{Path.Combine(directory, NqsCheckpoint.FileName)}: {mismatch}");
        }
        return bytes;
    }

    /// <inheritdoc />
    public void Write(JobOutput output)
    {
        if (output.Stream == JobFiles.CheckpointStream && CheckpointDirectory is { } directory)
        {
            WriteCheckpoint(directory, output.Data);
        }
    }

    /// <summary>The checkpoint bytes in <paramref name="directory"/> (<c>nqs-checkpoint.msgpack</c>), checked, or null
    /// when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is not an nqs checkpoint of this build; the message names it.</exception>
    public static byte[]? ReadCheckpoint(string directory)
    {
        var path = Path.Combine(directory, NqsCheckpoint.FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        var bytes = File.ReadAllBytes(path);
        try
        {
            NqsCheckpoint.FromBytes(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        return bytes;
    }

    /// <summary>Writes checkpoint <paramref name="bytes"/> to <paramref name="directory"/> (atomically, over the previous
    /// one) and returns the path.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an nqs checkpoint of this build.</exception>
    public static string WriteCheckpoint(string directory, byte[] bytes)
    {
        NqsCheckpoint.FromBytes(bytes);
        var path = Path.Combine(directory, NqsCheckpoint.FileName);
        JobFiles.WriteAtomically(path, bytes);
        return path;
    }
}
