namespace Dataflow.Kernels.Md.Script;

/// <summary>One <c>run</c> of a script with every setting in force when it was reached: what the caller hands to the
/// engine. The caller runs it and gives back the final atoms through <see cref="Complete"/>.</summary>
/// <param name="Line">The <c>run</c> line.</param>
/// <param name="System">The atoms at the start (a copy the caller may keep).</param>
/// <param name="Units">Unit style name.</param>
/// <param name="PairStyle"><c>lj/cut</c> or <c>lj/cut/coul/long</c>.</param>
/// <param name="PairArguments">The pair style's cutoffs.</param>
/// <param name="PairCoefficients"><c>I J epsilon sigma [cutoff]</c> lines; empty: the data file's Pair Coeffs.</param>
/// <param name="Mixing"><c>geometric</c> or <c>arithmetic</c>.</param>
/// <param name="Shift"><c>pair_modify shift</c>.</param>
/// <param name="KSpace"><c>none</c>, <c>ewald</c> or <c>pppm</c>.</param>
/// <param name="KSpaceAccuracy">Relative accuracy.</param>
/// <param name="GEwald"><c>kspace_modify gewald</c>, or null to derive it from the accuracy.</param>
/// <param name="Timestep">Timestep, time units.</param>
/// <param name="Skin">Neighbour skin.</param>
/// <param name="RebuildEvery">Steps between neighbour-list rebuilds (<c>neigh_modify every</c>).</param>
/// <param name="Steps">Steps of the run.</param>
/// <param name="FirstStep">The timestep the run starts from.</param>
/// <param name="Thermo">Thermo settings.</param>
/// <param name="Integrator"><c>nve</c> or <c>nvt</c>.</param>
/// <param name="Langevin"><c>fix langevin</c> T_start T_stop damp seed, or null.</param>
/// <param name="Nvt"><c>fix nvt temp</c> T_start T_stop damp, or null.</param>
/// <param name="Dump">The dump in force, or null.</param>
public sealed record ScriptRun(
    ScriptLine Line,
    MdSystem System,
    string Units,
    string PairStyle,
    double[] PairArguments,
    string[] PairCoefficients,
    string Mixing,
    bool Shift,
    string KSpace,
    double KSpaceAccuracy,
    double? GEwald,
    double Timestep,
    double Skin,
    int RebuildEvery,
    long Steps,
    long FirstStep,
    ThermoSettings Thermo,
    string Integrator,
    double[]? Langevin,
    double[]? Nvt,
    ScriptDump? Dump)
{
    /// <summary>Which <c>fix</c> command made the integrating fix (1 for the script's first fix, and so on; 0 for
    /// none): equal in two runs when the same fix carried on between them, as a Nose-Hoover chain's state does in
    /// LAMMPS.</summary>
    public int IntegratorFix { get; init; }

    /// <summary><c>special_bonds lj</c> weights (1-2, 1-3, 1-4) in force; LAMMPS' default 0 0 0.</summary>
    public double[] SpecialLj { get; init; } = [0.0, 0.0, 0.0];

    /// <summary><c>special_bonds coul</c> weights in force.</summary>
    public double[] SpecialCoul { get; init; } = [0.0, 0.0, 0.0];

    /// <summary>The <c>fix shake</c> in force as its arguments after the style, or null.</summary>
    public string? Shake { get; init; }

    /// <summary>The <c>fix ave/time</c> fixes of rdf computes in force, with the serial of the fix command that made each
    /// (a fix carries its pending average from run to run while it stands).</summary>
    public (Analysis.AveTimeSettings Settings, int Serial)[] AveTimes { get; init; } = [];

    /// <summary>The pair style's largest cutoff: <c>compute rdf</c>'s default.</summary>
    public double RdfCutoff { get; init; }

    /// <summary>The atoms at the end of the run, set by the caller.</summary>
    public MdSystem? Final { get; private set; }

    /// <summary>Gives the interpreter the atoms at the end of the run (the start's, for a dry pass).</summary>
    public void Complete(MdSystem final) => Final = final ?? throw new ArgumentNullException(nameof(final));
}

/// <summary>A <c>dump ID all custom N FILE id type x y z</c> (or <c>atom</c>, scaled coordinates) in force.</summary>
/// <param name="Id">The dump's id.</param>
/// <param name="Every">Steps between frames.</param>
/// <param name="Path">Output file.</param>
/// <param name="Style"><c>custom</c> (id type x y z) or <c>atom</c> (id type xs ys zs).</param>
public sealed record ScriptDump(string Id, int Every, string Path, string Style);
