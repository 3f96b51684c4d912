using System.Globalization;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Bonded;
using Dataflow.Kernels.Md.Constraints;
using Dataflow.Kernels.Md.Coulomb;
using Dataflow.Kernels.Md.Domains;

namespace Dataflow.Actors.Md;

/// <summary>What every node derives from an <see cref="MdJobSpec"/> the same way: the system, units, pair and
/// k-space settings, cutoffs and the initial layout.</summary>
public sealed class MdSetup
{
    /// <summary>Reads and checks the spec's system and settings.</summary>
    /// <exception cref="ArgumentException">An invalid setting or data file, naming what was wrong.</exception>
    public MdSetup(MdJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        Spec = spec;
        Units = UnitSystem.Parse(spec.Units);
        try
        {
            System = LammpsDataReader.ReadText(spec.DataText, spec.SourceName);
        }
        catch (LammpsDataFormatException e)
        {
            throw new ArgumentException(e.Message, "data", e);
        }
        try
        {
            System.RequireMasses();
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"{spec.SourceName}: {e.Message}", "data", e);
        }
        Coefficients = ParseCoefficients(spec, System);
        Mixing = spec.Mixing == "arithmetic" ? LennardJonesMixing.Arithmetic : LennardJonesMixing.Geometric;
        Timestep = spec.Timestep ?? Units.DefaultTimestep;
        Skin = spec.Skin ?? Units.DefaultSkinDistance;
        Grid = DomainGrid.Parse(spec.Domains);
        var pairArguments = spec.PairArguments!;
        LjCutoff = pairArguments[0];
        Charged = spec.PairStyle == "lj/cut/coul/long";
        if (Charged && System.Charges is null)
        {
            throw new ArgumentException($"{spec.SourceName}: pair style {spec.PairStyle} needs charges (atom style charge or full)", "data");
        }
        CoulombCutoff = Charged ? (pairArguments.Length > 1 ? pairArguments[1] : pairArguments[0]) : 0;
        // The shortest-range check: every pair style coefficient must resolve (mixing) before any node starts.
        var probe = CreatePairStyle(gEwald: 1.0);
        Cutoff = probe switch
        {
            LennardJonesCut lj => lj.MaxCutoff,
            LennardJonesCutCoulombLong coul => coul.MaxCutoffDistance,
            _ => throw new InvalidOperationException("unknown pair style"),
        };
        GhostCutoff = Cutoff + Skin;
        Grid.Validate(System.Box, GhostCutoff, System.AtomCount);
        if (spec.Shake is not null)
        {
            try
            {
                ShakeSettings = ShakeSettings.Parse(spec.Shake.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                var topology = System.Topology ?? throw new ArgumentException("fix shake needs a molecular system (bonds in the data file)");
                var bonds = new HarmonicBonds(topology);
                var angles = topology.AngleTypeCount > 0 && topology.AngleCoefficients is not null ? new HarmonicAngles(topology) : null;
                Shake = ShakeClusters.Find(System, ShakeSettings, t => bonds.Coefficients(t).R0,
                    t => angles?.Coefficients(t).Theta0Radians ?? throw new ArgumentException($"fix shake: angle type {t} has no coefficients"));
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"{spec.SourceName}: fix shake: {e.Message}", "shake", e);
            }
            catch (ArgumentException e) when (e.ParamName != "shake")
            {
                throw new ArgumentException($"{spec.SourceName}: {e.Message}", "shake", e);
            }
            if (Shake.Clusters.Any(c => c.Atoms.Length == 4))
            {
                throw new ArgumentException($"{spec.SourceName}: fix shake: clusters of 4 atoms are not supported", "shake");
            }
        }
        if (System.Topology is { IsEmpty: false })
        {
            Bonded = true;
            try
            {
                // Coefficients and the molecules' reach are checked here, before any node starts.
                CheckMolecules(CreateBondedTerms(probe)!);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{spec.SourceName}: {e.Message}", "data", e);
            }
        }
    }

    /// <summary>The SHAKE settings of <see cref="MdJobSpec.Shake"/>, or null.</summary>
    public ShakeSettings? ShakeSettings { get; }

    /// <summary>The SHAKE clusters (fix shake), or null without constraints.</summary>
    public ShakeClusters? Shake { get; }

    /// <summary>Degrees of freedom the constraints remove from the temperature (LAMMPS' fix_dof).</summary>
    public int ConstrainedDegreesOfFreedom => Shake?.DegreesOfFreedom ?? 0;

    /// <summary>A domain's SHAKE solver, or null without constraints.</summary>
    public DomainShake? CreateShake() => Shake is null ? null : new DomainShake(Shake, ShakeSettings!, System.Masses);

    /// <summary>Whether the system has bonds or angles (harmonic, with special-bond scaling of their pairs).</summary>
    public bool Bonded { get; }

    /// <summary>The domains' bonded terms for this system, or null without bonds and angles: harmonic bonds and angles
    /// with the data file's coefficients and the special pairs of <c>special_bonds</c> (LAMMPS' default 0 0 0).</summary>
    public DomainBondedTerms? CreateBondedTerms(IForceProvider pairStyle)
    {
        if (System.Topology is not { IsEmpty: false } topology)
        {
            return null;
        }
        var styles = new List<IDomainBondedStyle>();
        // The constrained bonds and angles have no energy (LAMMPS' fix shake turns their types negative); special pairs
        // still follow the whole bond graph.
        var evaluated = Shake?.Unconstrained(topology) ?? topology;
        if (evaluated.Bonds.Length > 0)
        {
            styles.Add(new DomainHarmonicBonds(new HarmonicBonds(evaluated)));
        }
        if (evaluated.Angles.Length > 0)
        {
            styles.Add(new DomainHarmonicAngles(new HarmonicAngles(evaluated)));
        }
        double[] lj = Spec.SpecialLj ?? [0.0, 0.0, 0.0];
        double[] coul = Spec.SpecialCoul ?? [0.0, 0.0, 0.0];
        var special = pairStyle switch
        {
            LennardJonesCutCoulombLong c => SpecialBonds.For(c, topology, lj, coul),
            LennardJonesCut c => SpecialBonds.For(c, topology, lj),
            _ => throw new InvalidOperationException("unknown pair style"),
        };
        if (special.Pairs.Any(p => p.WLj != 1.0))
        {
            styles.Add(new DomainSpecialPairs(special, Units, coulomb: false));
        }
        if (Charged && special.Pairs.Any(p => p.WCoul != 1.0))
        {
            styles.Add(new DomainSpecialPairs(special, Units, coulomb: true));
        }
        return new DomainBondedTerms(styles, System.Box);
    }

    // Every term's atoms exist, and each partner's nearest image lies within the ghost cutoff less the skin (atoms move
    // up to half the skin each between rebuilds), so every domain finds it among its ghosts.
    private void CheckMolecules(DomainBondedTerms terms)
    {
        var index = new Dictionary<int, int>(System.AtomCount);
        for (var i = 0; i < System.AtomCount; i++)
        {
            index[System.Ids[i]] = i;
        }
        var x = System.Positions;
        var box = System.Box;
        var reach = GhostCutoff - Skin;
        Span<int> ids = stackalloc int[4];
        foreach (var style in terms.Styles)
        {
            for (var t = 0; t < style.TermCount; t++)
            {
                var n = style.AtomsPerTerm;
                style.TermAtoms(t, ids[..n]);
                for (var a = 0; a < n; a++)
                {
                    if (!index.ContainsKey(ids[a]))
                    {
                        throw new ArgumentException($"{style.Name} term {t + 1} names atom {ids[a]}, which is not in the Atoms section");
                    }
                }
                for (var a = 1; a < n; a++)
                {
                    var (i, j) = (index[ids[0]], index[ids[a]]);
                    var d2 = 0.0;
                    for (var c = 0; c < 3; c++)
                    {
                        var d = x[3 * i + c] - x[3 * j + c];
                        d -= box.Length(c) * Math.Round(d / box.Length(c));
                        d2 += d * d;
                    }
                    if (Math.Sqrt(d2) > reach)
                    {
                        throw new ArgumentException(
                            $"{style.Name}: atoms {ids[0]} and {ids[a]} are {Math.Sqrt(d2):G6} apart, beyond the pair cutoff {reach:G6} "
                            + "that the domains' ghost atoms cover (raise the cutoff or check the molecule)");
                    }
                }
            }
        }
    }

    /// <summary>The spec.</summary>
    public MdJobSpec Spec { get; }

    /// <summary>The system as read (not wrapped).</summary>
    public MdSystem System { get; }

    /// <summary>Unit style.</summary>
    public UnitSystem Units { get; }

    /// <summary>LJ coefficients.</summary>
    public IReadOnlyList<LennardJonesPairCoefficient> Coefficients { get; }

    /// <summary>Mixing rule.</summary>
    public LennardJonesMixing Mixing { get; }

    /// <summary>Timestep, time units.</summary>
    public double Timestep { get; }

    /// <summary>Neighbour skin, distance units.</summary>
    public double Skin { get; }

    /// <summary>Domain grid.</summary>
    public DomainGrid Grid { get; }

    /// <summary>Global LJ cutoff.</summary>
    public double LjCutoff { get; }

    /// <summary>Coulomb cutoff (0 without charges).</summary>
    public double CoulombCutoff { get; }

    /// <summary>Whether the system is charged (lj/cut/coul/long with k-space).</summary>
    public bool Charged { get; }

    /// <summary>Largest interaction cutoff.</summary>
    public double Cutoff { get; }

    /// <summary>Ghost and neighbour-list cutoff: <see cref="Cutoff"/> + <see cref="Skin"/>.</summary>
    public double GhostCutoff { get; }

    /// <summary>A fresh state over a copy of the system (for the k-space solver and single-process references).</summary>
    public MdState NewState() => new(System.Clone(), Units, Timestep);

    /// <summary>The k-space solver for this job (null without charges); g_ewald follows from the accuracy unless the
    /// spec fixes it.</summary>
    public KSpaceForceProvider? CreateKSpace(MdState state) => !Charged
        ? null
        : KSpaceForceProvider.ForAccuracy(Spec.KSpace == "ewald" ? KSpaceStyle.Ewald : KSpaceStyle.Pppm, state,
            Spec.KSpaceAccuracy, CoulombCutoff, stopAsLammps: Spec.LammpsGEwald, gEwald: Spec.GEwald);

    /// <summary>The engine's pair style object for these settings (coefficient tables, mixing, shift).</summary>
    public IForceProvider CreatePairStyle(double gEwald) => Charged
        ? new LennardJonesCutCoulombLong(System.TypeCount, LjCutoff, CoulombCutoff, gEwald, Coefficients, Mixing, Spec.Shift)
        : new LennardJonesCut(System.TypeCount, LjCutoff, Coefficients, Mixing, Spec.Shift);

    /// <summary>The domains' pair loop for these settings.</summary>
    public IDomainForceField CreateForceField(double gEwald, int threads) =>
        DomainForceFields.Create(CreatePairStyle(gEwald), Units, threads);

    /// <summary>The initial layout (even).</summary>
    public DomainLayout InitialLayout() => new(System.Box, Grid);

    private static LennardJonesPairCoefficient[] ParseCoefficients(MdJobSpec spec, MdSystem system)
    {
        var given = spec.PairCoefficients ?? [];
        if (given.Length > 0)
        {
            return given.Select(line => ParseCommandLine(line, "pair-coeff")).ToArray();
        }
        if (system.PairCoefficients is not { } section)
        {
            throw new ArgumentException(
                $"{spec.SourceName} has no Pair Coeffs section: give the coefficients with --pair-coeff \"I J epsilon sigma\"",
                "pair-coeff");
        }
        // Data file lines: I epsilon sigma [cutoff] (LAMMPS write_data, Pair Coeffs).
        return section.Lines.Select(line =>
        {
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3)
            {
                throw new ArgumentException($"{spec.SourceName}: Pair Coeffs line '{line}': expected I epsilon sigma [cutoff]", "data");
            }
            return ParseCommandLine($"{fields[0]} {string.Join(' ', fields)}", $"{spec.SourceName} Pair Coeffs");
        }).ToArray();
    }

    private static LennardJonesPairCoefficient ParseCommandLine(string line, string what)
    {
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is < 4 or > 5
            || !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var j)
            || !double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var epsilon)
            || !double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var sigma))
        {
            throw new ArgumentException($"{what} '{line}': expected I J epsilon sigma [cutoff]", "pair-coeff");
        }
        double? cutoff = null;
        if (fields.Length == 5)
        {
            if (!double.TryParse(fields[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var c))
            {
                throw new ArgumentException($"{what} '{line}': cutoff '{fields[4]}' is not a number", "pair-coeff");
            }
            cutoff = c;
        }
        return new LennardJonesPairCoefficient(i, j, epsilon, sigma, cutoff);
    }
}
