using Dataflow.Actors.Fci;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Input;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Fci;

/// <summary>Fluent builder of an <c>fci</c> job.</summary>
public sealed class FciJobBuilder
{
    private string? _text;
    private string _source = "<text>";
    private double? _reference;
    private double _tolerance = 1e-10;

    /// <summary>Reads the Hamiltonian from an FCIDUMP file (PySCF, Psi4, Molpro...); errors name the file and line.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InputLimitException">The file is larger than <see cref="InputLimits.MaxInputBytes"/>
    /// (<see cref="InputLimits.Current"/>); it is refused before it is read.</exception>
    public FciJobBuilder Fcidump(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"FCIDUMP file {path} not found", path);
        }
        _text = BoundedInput.ReadAllText(path, InputLimits.Current, decompress: false);
        _source = path;
        return this;
    }

    /// <summary>Takes the FCIDUMP as text, e.g. generated in memory.</summary>
    public FciJobBuilder FcidumpText(string text, string sourceName = "<text>")
    {
        _text = text;
        _source = sourceName;
        return this;
    }

    /// <summary>An energy to report the difference against (hartree).</summary>
    public FciJobBuilder Reference(double? energyHartree) { _reference = energyHartree; return this; }

    /// <summary>Davidson convergence on the energy (hartree, default 1e-10).</summary>
    public FciJobBuilder Tolerance(double hartree) { _tolerance = hartree; return this; }

    /// <summary>Validates (the FCIDUMP is parsed here, so a malformed file fails before submission).</summary>
    public FciJob Build()
    {
        var spec = new FciJobSpec(_text ?? throw new ArgumentException("fcidump is required", "fcidump"), _source, _reference, _tolerance);
        spec.Validate();
        FcidumpReader.ParseText(spec.FcidumpText, spec.SourceName);
        return new FciJob(spec);
    }
}

/// <summary>A validated <c>fci</c> job.</summary>
public sealed record FciJob(FciJobSpec Spec) : IJobDefinition
{
    /// <inheritdoc />
    public string Workload => FciWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));
}
