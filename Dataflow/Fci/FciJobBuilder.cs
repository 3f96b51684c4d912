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
    private int _roots = 1;
    private int? _spin;
    private int _frozenCore;
    private long? _maxMemoryBytes;
    private int? _irrep;

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
        _text = BoundedInput.ReadAllText(path, InputLimits.Current, decompress: true);
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

    /// <summary>The lowest <paramref name="count"/> states over every spin and symmetry sector (default 1).</summary>
    public FciJobBuilder Roots(int count) { _roots = count; return this; }

    /// <summary>Targets total spin S (the M_s = S sector), or every spin when null (the default).</summary>
    public FciJobBuilder Spin(int? s) { _spin = s; return this; }

    /// <summary>Keeps the <paramref name="orbitals"/> lowest-energy orbitals doubly occupied (default 0).</summary>
    public FciJobBuilder FrozenCore(int orbitals) { _frozenCore = orbitals; return this; }

    /// <summary>Solves one irreducible representation (ORBSYM label) instead of every one (the default).</summary>
    public FciJobBuilder Irrep(int? label) { _irrep = label; return this; }

    /// <summary>Most memory the solve may need (default: what the machine has); a larger space is refused.</summary>
    public FciJobBuilder MaxMemory(long? bytes) { _maxMemoryBytes = bytes; return this; }

    /// <summary>Validates (the FCIDUMP is parsed here, so a malformed file fails before submission) and sizes the
    /// space: one that needs more memory than allowed is refused here, before any work.</summary>
    /// <exception cref="ArgumentException">An invalid option, or a space too large (the message names its
    /// determinants, the memory it needs and the limit).</exception>
    public FciJob Build()
    {
        var spec = new FciJobSpec(_text ?? throw new ArgumentException("fcidump is required", "fcidump"), _source, _reference,
            _tolerance, _roots, _spin, _frozenCore, _maxMemoryBytes, _irrep);
        spec.Validate();
        var fcidump = FcidumpReader.ParseText(spec.FcidumpText, spec.SourceName);
        var size = DirectFullCi.Estimate(fcidump, spec.SolverOptions());
        var limit = _maxMemoryBytes ?? FciMemory.Available();
        if (size.MemoryBytes > limit)
        {
            throw new ArgumentException(FciMemory.Refusal(size, limit), "maxMemory");
        }
        return new FciJob(spec, size);
    }
}

/// <summary>A validated <c>fci</c> job.</summary>
/// <param name="Spec">The job's payload.</param>
/// <param name="Size">Determinants, estimated memory and time, from the counts alone.</param>
public sealed record FciJob(FciJobSpec Spec, CiSize Size) : IJobDefinition
{
    /// <inheritdoc />
    public string Workload => FciWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));
}
