using Dataflow.Actors.Md;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md;

// Results are what a DSL user reads: they live in the DSL's namespace, beside the driver that writes them.
namespace Dataflow.Md;

/// <summary>The result of an <c>md</c> job, as written by <c>--json</c>.</summary>
/// <param name="Thermo">LAMMPS' thermo columns at every thermo step.</param>
/// <param name="AtomStepsPerSecond">Atoms x steps per second of the step loop (setup excluded).</param>
/// <param name="Imbalance">Largest over mean domain cost per step over the last rebuild interval (1 with one domain).</param>
/// <param name="ImbalanceHistory">That figure at every rebuild interval, balanced or not.</param>
/// <param name="StateSha256">SHA-256 of ids, positions and velocities at the end: equal runs, equal bits.</param>
/// <param name="Inputs">The job as run: every option, defaults included (the data file by name and hash).</param>
public sealed record MdResult(
    string Workload,
    string Data,
    string Units,
    string Pair,
    string Kspace,
    string Thermostat,
    long Steps,
    int Atoms,
    string Domains,
    int Nodes,
    double Timestep,
    MdThermo[] Thermo,
    double AtomStepsPerSecond,
    double Imbalance,
    MdImbalance[] ImbalanceHistory,
    string Balance,
    int PlacementChanges,
    int Restarts,
    string StateSha256,
    MdInputs Inputs) : WorkloadResult
{
    /// <summary>The inputs of <paramref name="job"/>.</summary>
    public static MdInputs InputsOf(MdJobSpec job) => new(job.SourceName, Dataflow.Fci.FciResult.Sha256(job.DataText),
        job.Units, job.PairStyle, job.PairArguments ?? [], job.PairCoefficients ?? [], job.Mixing, job.Shift, job.KSpace,
        job.KSpaceAccuracy, job.Timestep, job.Skin, job.RebuildEvery, job.Steps, job.ThermoEvery, job.Domains, job.Balance,
        job.BalanceEvery, job.CheckpointEvery, job.DumpEvery, job.ThreadsPerDomain, job.Langevin,
        [.. job.SpecialLj ?? [0.0, 0.0, 0.0], .. job.SpecialCoul ?? [0.0, 0.0, 0.0]]);
}

/// <summary>One thermo line of an <c>md</c> result (LAMMPS' Step Temp PotEng KinEng TotEng Press E_bond E_angle E_coul
/// E_long; the last four 0 without bonds, angles or charges).</summary>
public sealed record MdThermo(long Step, double Temp, double Pe, double Ke, double Etotal, double Press, double Ebond = 0.0,
    double Eangle = 0.0, double Ecoul = 0.0, double Elong = 0.0)
{
    /// <summary>The record of <paramref name="t"/>.</summary>
    public static MdThermo From(ThermoSample t) =>
        new(t.Step, t.Temperature, t.PotentialEnergy, t.KineticEnergy, t.TotalEnergy, t.Pressure, t.BondEnergy, t.AngleEnergy,
            t.CoulombEnergy, t.LongRangeEnergy);

    /// <summary>The sample of this line.</summary>
    public ThermoSample ToSample(bool normalized) => new(Step, Temp, Pe, Ke, Etotal, Press, normalized, Ebond, Eangle, Ecoul, Elong);
}

/// <summary>The domain imbalance over the rebuild interval ending at <paramref name="Step"/>.</summary>
public sealed record MdImbalance(long Step, double Imbalance);

/// <summary>The options of an <c>md</c> job (null timestep and skin: the unit style's LAMMPS defaults).</summary>
/// <param name="DataSha256">SHA-256 of the data file text (UTF-8) the job carried.</param>
/// <param name="SpecialBonds"><c>special_bonds</c> weights (1-2, 1-3, 1-4): lj, then coul.</param>
public sealed record MdInputs(string Data, string DataSha256, string Units, string PairStyle, double[] PairArguments,
    string[] PairCoefficients, string Mixing, bool Shift, string KSpace, double KSpaceAccuracy, double? Timestep,
    double? Skin, int RebuildEvery, long Steps, int ThermoEvery, string Domains, string Balance, int BalanceEvery,
    int CheckpointEvery, int DumpEvery, int ThreadsPerDomain, double[]? Langevin, double[] SpecialBonds);
