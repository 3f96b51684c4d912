using Dataflow.Actors.Md;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Input;

namespace Dataflow.Md;

/// <summary>Builds an <c>md</c> job: <c>Job.Md().Data("system.data").Pair("lj/cut", 2.5).Steps(1000).Domains("2x2x2").Build()</c>.</summary>
/// <remarks>Defaults follow LAMMPS where it has one (timestep and skin of the unit style, thermo on the first and
/// last step plus every 10, geometric mixing); lists are rebuilt every 10 steps.</remarks>
public sealed class MdJobBuilder
{
    private MdJobSpec _spec = new("", "<none>", PairArguments: [2.5]);

    /// <summary>Reads a LAMMPS data file (a gzip one, by its magic bytes, is decompressed).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InputLimitException">The file, or its decompressed text, is larger than
    /// <see cref="InputLimits.MaxInputBytes"/>, or gzip data expands more than <see cref="InputLimits.MaxCompressionRatio"/>
    /// (<see cref="InputLimits.Current"/>); a decompression bomb is stopped at the limit.</exception>
    public MdJobBuilder Data(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"data file {path} not found", path);
        }
        _spec = _spec with { DataText = BoundedInput.ReadAllText(path, InputLimits.Current, decompress: true), SourceName = path };
        return this;
    }

    /// <summary>Takes the data file's text.</summary>
    public MdJobBuilder DataText(string text, string sourceName = "<text>")
    {
        _spec = _spec with { DataText = text, SourceName = sourceName };
        return this;
    }

    /// <summary>Unit style: <c>lj</c>, <c>metal</c> or <c>real</c>.</summary>
    public MdJobBuilder Units(string units) { _spec = _spec with { Units = units }; return this; }

    /// <summary>Pair style and its arguments (<c>pair_style lj/cut 2.5</c>; <c>lj/cut/coul/long 8.0 [10.0]</c>).</summary>
    public MdJobBuilder Pair(string style, params double[] arguments)
    {
        _spec = _spec with { PairStyle = style, PairArguments = arguments };
        return this;
    }

    /// <summary>A <c>pair_coeff I J epsilon sigma [cutoff]</c> line; without any, the data file's Pair Coeffs are used.</summary>
    public MdJobBuilder PairCoeff(string line)
    {
        _spec = _spec with { PairCoefficients = [.. _spec.PairCoefficients ?? [], line] };
        return this;
    }

    /// <summary>Mixing rule for unlike pairs (<c>pair_modify mix</c>).</summary>
    public MdJobBuilder Mixing(string rule) { _spec = _spec with { Mixing = rule }; return this; }

    /// <summary>Shift LJ energies to zero at the cutoff (<c>pair_modify shift yes</c>).</summary>
    public MdJobBuilder Shift(bool shift = true) { _spec = _spec with { Shift = shift }; return this; }

    /// <summary>Long-range solver (<c>ewald</c>, <c>pppm</c>) and its relative accuracy.</summary>
    public MdJobBuilder KSpace(string style, double accuracy = 1e-5)
    {
        _spec = _spec with { KSpace = style, KSpaceAccuracy = accuracy };
        return this;
    }

    /// <summary>Timestep, time units of the unit style.</summary>
    public MdJobBuilder Timestep(double timestep) { _spec = _spec with { Timestep = timestep }; return this; }

    /// <summary>Neighbour skin, distance units.</summary>
    public MdJobBuilder Skin(double skin) { _spec = _spec with { Skin = skin }; return this; }

    /// <summary>Steps between neighbour-list rebuilds.</summary>
    public MdJobBuilder RebuildEvery(int steps) { _spec = _spec with { RebuildEvery = steps }; return this; }

    /// <summary>Steps to run.</summary>
    public MdJobBuilder Steps(long steps) { _spec = _spec with { Steps = steps }; return this; }

    /// <summary>Thermo output every this many steps.</summary>
    public MdJobBuilder Thermo(int every) { _spec = _spec with { ThermoEvery = every }; return this; }

    /// <summary>Domain grid, e.g. <c>2x2x2</c>.</summary>
    public MdJobBuilder Domains(string grid) { _spec = _spec with { Domains = grid }; return this; }

    /// <summary>Load balancing: <c>none</c> or <c>ring</c>, every <paramref name="every"/> steps (0: 5 rebuilds).</summary>
    public MdJobBuilder Balance(string balance, int every = 0)
    {
        _spec = _spec with { Balance = balance, BalanceEvery = every };
        return this;
    }

    /// <summary>Steps between checkpoints (0: 10 rebuilds).</summary>
    public MdJobBuilder CheckpointEvery(int steps) { _spec = _spec with { CheckpointEvery = steps }; return this; }

    /// <summary>Trajectory snapshot every this many steps (sent to the client as the <c>dump</c> stream).</summary>
    public MdJobBuilder DumpEvery(int steps) { _spec = _spec with { DumpEvery = steps }; return this; }

    /// <summary>A Langevin thermostat (LAMMPS <c>fix langevin T_start T_stop damp seed</c> with <c>fix nve</c>); the
    /// random force of atom id at a step comes from a stream keyed by (seed, step, id), so runs stay bitwise
    /// independent of the decomposition.</summary>
    public MdJobBuilder Langevin(double startTemperature, double stopTemperature, double damp, int seed)
    {
        _spec = _spec with { Langevin = [startTemperature, stopTemperature, damp, seed] };
        return this;
    }

    /// <summary>A Nose-Hoover chain thermostat (LAMMPS <c>fix nvt temp T_start T_stop damp</c>, a chain of 3): every
    /// domain advances its own copy of the chain from the exact whole-system temperature, so runs stay bitwise
    /// independent of the decomposition, and checkpoints keep the chain.</summary>
    public MdJobBuilder Nvt(double startTemperature, double stopTemperature, double damp)
    {
        _spec = _spec with { Nvt = [startTemperature, stopTemperature, damp] };
        return this;
    }

    /// <summary>LAMMPS <c>special_bonds lj W12 W13 W14 coul W12 W13 W14</c> for a system with bonds (default all 0: the
    /// 1-2, 1-3 and 1-4 pairs leave the pair and Coulomb terms).</summary>
    public MdJobBuilder SpecialBonds(double[] lj, double[] coul)
    {
        _spec = _spec with { SpecialLj = lj, SpecialCoul = coul };
        return this;
    }

    /// <summary>Threads of each domain's pair loop (0: processors per domain on its node).</summary>
    public MdJobBuilder ThreadsPerDomain(int threads) { _spec = _spec with { ThreadsPerDomain = threads }; return this; }

    /// <summary>Checks the job (settings and data file) and returns it.</summary>
    /// <exception cref="ArgumentException">An invalid setting or data file, naming it.</exception>
    public MdJob Build()
    {
        if (string.IsNullOrEmpty(_spec.DataText))
        {
            throw new ArgumentException("data is required", "data");
        }
        _ = new MdSetup(_spec);
        return new MdJob(_spec);
    }
}

/// <summary>A built md job.</summary>
public sealed record MdJob(MdJobSpec Spec) : IJobDefinition
{
    /// <inheritdoc />
    public string Workload => MdWorkload.Verb;

    /// <inheritdoc />
    public JobSpec ToSpec(string jobId) => new(jobId, Workload, Actors.Runtime.Workload.Encode(Spec));
}
