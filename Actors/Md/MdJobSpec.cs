using System.Globalization;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using MessagePack;

namespace Dataflow.Actors.Md;

/// <summary>The <c>md</c> workload's spec. The LAMMPS data file's text travels with the job, so no node needs the
/// file.</summary>
/// <param name="DataText">LAMMPS data file contents.</param>
/// <param name="SourceName">Where the data came from (errors, result).</param>
/// <param name="Units"><c>lj</c>, <c>metal</c> or <c>real</c>.</param>
/// <param name="PairStyle"><c>lj/cut</c> or <c>lj/cut/coul/long</c>.</param>
/// <param name="PairArguments">The pair style's arguments: global LJ cutoff, then for coul/long an optional
/// Coulomb cutoff.</param>
/// <param name="PairCoefficients"><c>pair_coeff</c> lines (<c>I J epsilon sigma [cutoff]</c>); empty takes the data
/// file's Pair Coeffs section.</param>
/// <param name="Mixing"><c>geometric</c> or <c>arithmetic</c> (<c>pair_modify mix</c>).</param>
/// <param name="Shift">Shift LJ energies to zero at the cutoff (<c>pair_modify shift yes</c>).</param>
/// <param name="KSpace"><c>none</c>, <c>ewald</c> or <c>pppm</c>.</param>
/// <param name="KSpaceAccuracy">Relative force accuracy (<c>kspace_style pppm 1e-5</c>).</param>
/// <param name="Timestep">Timestep, time units; null takes the unit style's LAMMPS default.</param>
/// <param name="Skin">Neighbour skin; null takes the unit style's LAMMPS default.</param>
/// <param name="RebuildEvery">Steps between neighbour-list rebuilds (and migrations).</param>
/// <param name="Steps">Steps to run.</param>
/// <param name="ThermoEvery">Thermo output every this many steps (and on the first and last).</param>
/// <param name="Domains">Domain grid, <c>PXxPYxPZ</c>.</param>
/// <param name="Balance"><c>none</c> or <c>ring</c>.</param>
/// <param name="BalanceEvery">Steps between balancing rounds (a multiple of RebuildEvery).</param>
/// <param name="CheckpointEvery">Steps between checkpoints (a multiple of RebuildEvery).</param>
/// <param name="DumpEvery">Steps between trajectory snapshots; 0 for none.</param>
/// <param name="ThreadsPerDomain">Threads of each domain's pair loop; 0 for processors / domains per node.</param>
/// <param name="Langevin">LAMMPS <c>fix langevin</c> arguments T_start T_stop damp seed, or null for NVE.</param>
/// <param name="SendFinalState">Send the atoms at the last step to the client as output stream
/// <see cref="MdDriver.FinalStateStream"/> (a LAMMPS data file): what an input script's next command starts from.</param>
/// <param name="LammpsGEwald">PPPM's g_ewald where LAMMPS' Newton iteration stops rather than solved to the end (input
/// scripts: thermo as lmp's).</param>
/// <param name="Nvt">LAMMPS <c>fix nvt temp</c> arguments T_start T_stop damp (a Nose-Hoover chain of 3 on the
/// domains), or null.</param>
/// <param name="GEwald">LAMMPS <c>kspace_modify gewald</c>: the splitting parameter, inverse distance units, instead of
/// the one the accuracy gives (the k range or mesh still follows from the accuracy); null to derive it.</param>
/// <param name="NvtChain">The Nose-Hoover chain a previous run ended with (<see cref="NoseHooverChain.SaveState"/>, sent
/// back as output stream <see cref="MdDriver.ThermostatStream"/>): the chain carries on, as a LAMMPS fix nvt does from
/// run to run; null starts it at rest.</param>
/// <param name="SpecialLj">LAMMPS <c>special_bonds lj</c> weights of the 1-2, 1-3 and 1-4 pairs of a system with bonds;
/// null for LAMMPS' default 0 0 0.</param>
/// <param name="SpecialCoul"><c>special_bonds coul</c> weights; null for 0 0 0.</param>
/// <param name="Shake">LAMMPS <c>fix shake</c> arguments after the style (<c>0.0001 20 0 b 1 a 1</c>,
/// <see cref="Kernels.Md.Constraints.ShakeSettings"/>), or null for no constraints.</param>
[MessagePackObject]
public sealed record MdJobSpec(
    [property: Key(0)] string DataText,
    [property: Key(1)] string SourceName,
    [property: Key(2)] string Units = "lj",
    [property: Key(3)] string PairStyle = "lj/cut",
    [property: Key(4)] double[]? PairArguments = null,
    [property: Key(5)] string[]? PairCoefficients = null,
    [property: Key(6)] string Mixing = "geometric",
    [property: Key(7)] bool Shift = false,
    [property: Key(8)] string KSpace = "none",
    [property: Key(9)] double KSpaceAccuracy = 1e-5,
    [property: Key(10)] double? Timestep = null,
    [property: Key(11)] double? Skin = null,
    [property: Key(12)] int RebuildEvery = 10,
    [property: Key(13)] long Steps = 100,
    [property: Key(14)] int ThermoEvery = 10,
    [property: Key(15)] string Domains = "1x1x1",
    [property: Key(16)] string Balance = "none",
    [property: Key(17)] int BalanceEvery = 0,
    [property: Key(18)] int CheckpointEvery = 0,
    [property: Key(19)] int DumpEvery = 0,
    [property: Key(20)] int ThreadsPerDomain = 0,
    [property: Key(21)] double[]? Langevin = null,
    [property: Key(22)] bool SendFinalState = false,
    [property: Key(23)] bool LammpsGEwald = false,
    [property: Key(24)] double[]? Nvt = null,
    [property: Key(25)] double? GEwald = null,
    [property: Key(26)] double[]? NvtChain = null,
    [property: Key(27)] double[]? SpecialLj = null,
    [property: Key(28)] double[]? SpecialCoul = null,
    [property: Key(29)] string? Shake = null)
{
    /// <summary>Pair styles the domains run.</summary>
    public static readonly string[] PairStyles = ["lj/cut", "lj/cut/coul/long"];

    /// <summary>The balancing interval in effect: <see cref="BalanceEvery"/>, or 5 rebuilds.</summary>
    [IgnoreMember]
    public int EffectiveBalanceEvery => BalanceEvery > 0 ? BalanceEvery : 5 * RebuildEvery;

    /// <summary>The checkpoint interval in effect: <see cref="CheckpointEvery"/>, or 10 rebuilds.</summary>
    [IgnoreMember]
    public int EffectiveCheckpointEvery => CheckpointEvery > 0 ? CheckpointEvery : 10 * RebuildEvery;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field (the system itself is
    /// checked by <see cref="MdSetup"/>).</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataText))
        {
            throw new ArgumentException("data is empty", "data");
        }
        try
        {
            UnitSystem.Parse(Units);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"units must be lj, metal or real (got '{Units}')", "units");
        }
        if (!PairStyles.Contains(PairStyle))
        {
            throw new ArgumentException($"pair style must be one of {string.Join(", ", PairStyles)} (got '{PairStyle}')", "pair");
        }
        var arguments = PairArguments ?? [];
        var maxArguments = PairStyle == "lj/cut" ? 1 : 2;
        if (arguments.Length < 1 || arguments.Length > maxArguments || arguments.Any(a => !(a > 0)))
        {
            throw new ArgumentException(
                $"pair {PairStyle} takes {(maxArguments == 1 ? "a cutoff" : "an LJ cutoff and optionally a Coulomb cutoff")} > 0 "
                + $"(got '{string.Join(" ", arguments.Select(a => a.ToString(CultureInfo.InvariantCulture)))}')", "pair");
        }
        if (Mixing is not ("geometric" or "arithmetic"))
        {
            throw new ArgumentException($"mixing must be geometric or arithmetic (got '{Mixing}')", "mix");
        }
        if (KSpace is not ("none" or "ewald" or "pppm"))
        {
            throw new ArgumentException($"kspace must be none, ewald or pppm (got '{KSpace}')", "kspace");
        }
        if ((KSpace == "none") != (PairStyle == "lj/cut"))
        {
            throw new ArgumentException(
                PairStyle == "lj/cut"
                    ? $"kspace {KSpace} needs pair style lj/cut/coul/long"
                    : "pair style lj/cut/coul/long needs --kspace ewald or pppm", "kspace");
        }
        if (!(KSpaceAccuracy > 0 && KSpaceAccuracy < 1))
        {
            throw new ArgumentException($"kspace accuracy must be in (0, 1) (got {KSpaceAccuracy})", "kspace-accuracy");
        }
        if (Timestep is { } dt && !(dt > 0))
        {
            throw new ArgumentException($"timestep must be > 0 (got {dt})", "timestep");
        }
        if (Skin is { } skin && !(skin >= 0))
        {
            throw new ArgumentException($"skin must be >= 0 (got {skin})", "skin");
        }
        Positive(RebuildEvery, "rebuild-every");
        if (Steps < 0)
        {
            throw new ArgumentException($"steps must be >= 0 (got {Steps})", "steps");
        }
        if (ThermoEvery < 0)
        {
            throw new ArgumentException($"thermo must be >= 0 (got {ThermoEvery})", "thermo");
        }
        try
        {
            DomainGrid.Parse(Domains);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, "domains");
        }
        if (Balance is not ("none" or "ring"))
        {
            throw new ArgumentException($"balance must be none or ring (got '{Balance}')", "balance");
        }
        MultipleOfRebuild(BalanceEvery, "balance-every");
        MultipleOfRebuild(CheckpointEvery, "checkpoint-every");
        if (DumpEvery < 0)
        {
            throw new ArgumentException($"dump-every must be >= 0 (got {DumpEvery})", "dump-every");
        }
        if (Langevin is { } langevin && (langevin.Length != 4 || langevin[0] < 0 || langevin[1] < 0 || !(langevin[2] > 0)
                || langevin[3] != Math.Floor(langevin[3]) || langevin[3] < 1 || langevin[3] > int.MaxValue))
        {
            throw new ArgumentException(
                "langevin takes T_start T_stop damp seed (temperatures >= 0, damp > 0, seed a positive whole number)", "langevin");
        }
        if (Nvt is { } nvt && (nvt.Length != 3 || nvt.Any(a => !(a > 0) || double.IsInfinity(a))))
        {
            throw new ArgumentException("nvt takes T_start T_stop damp (each > 0)", "nvt");
        }
        if (NvtChain is not null && (Nvt is null || NvtChain.Length != 12 || NvtChain.Any(v => !double.IsFinite(v))))
        {
            throw new ArgumentException("nvt-chain needs nvt and 12 finite values (a chain of 3)", "nvt-chain");
        }
        if (Nvt is not null && Langevin is not null)
        {
            throw new ArgumentException("nvt and langevin thermostats cannot both act", "nvt");
        }
        if (GEwald is { } g && !(g > 0 && double.IsFinite(g)))
        {
            throw new ArgumentException($"gewald must be > 0 (got {g})", "gewald");
        }
        foreach (var (weights, name) in new[] { (SpecialLj, "special-lj"), (SpecialCoul, "special-coul") })
        {
            if (weights is not null && (weights.Length != 3 || weights.Any(w => !(w >= 0 && w <= 1))))
            {
                throw new ArgumentException($"{name} takes three weights (1-2, 1-3, 1-4), each in [0, 1]", name);
            }
        }
        if (Shake is not null)
        {
            try
            {
                Kernels.Md.Constraints.ShakeSettings.Parse(Shake.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"shake: {e.Message}", "shake");
            }
        }
        if (ThreadsPerDomain < 0)
        {
            throw new ArgumentException($"threads must be >= 0 (got {ThreadsPerDomain})", "threads");
        }
    }

    private void MultipleOfRebuild(int value, string name)
    {
        if (value < 0 || value % RebuildEvery != 0)
        {
            throw new ArgumentException($"{name} must be a multiple of rebuild-every {RebuildEvery} (got {value})", name);
        }
    }

    private static void Positive(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentException($"{name} must be at least 1 (got {value})", name);
        }
    }
}
