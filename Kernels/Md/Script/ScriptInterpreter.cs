using System.Globalization;
using Dataflow.Kernels.Md.Analysis;
using Dataflow.Kernels.Md.Constraints;

namespace Dataflow.Kernels.Md.Script;

/// <summary>Runs a LAMMPS input script's commands with LAMMPS' semantics up to each <c>run</c>, which it hands to the
/// caller as a <see cref="ScriptRun"/> (the engine that runs it lives elsewhere: the domain actors).</summary>
/// <remarks>
/// Commands: <c>variable</c> (index, string, equal), <c>units</c>, <c>atom_style</c> (atomic, charge, full),
/// <c>boundary p p p</c>, <c>dimension 3</c>, <c>lattice</c>, <c>region block</c>, <c>create_box</c>,
/// <c>create_atoms</c>, <c>mass</c>, <c>set</c> (type/fraction, charge), <c>velocity</c> (create, set, scale, zero
/// linear), <c>read_data</c>, <c>pair_style</c>/<c>pair_coeff</c>/<c>pair_modify</c>, <c>kspace_style</c>/
/// <c>kspace_modify gewald</c>, <c>bond_style</c>/<c>angle_style harmonic</c>, <c>bond_coeff</c>/<c>angle_coeff</c>,
/// <c>special_bonds</c>, <c>neighbor</c>/<c>neigh_modify</c>, <c>timestep</c>, <c>fix nve|nvt|langevin</c>,
/// <c>unfix</c>, <c>thermo</c>/<c>thermo_style</c>/<c>thermo_modify</c>, <c>dump</c>/<c>undump</c>/<c>dump_modify</c>,
/// <c>write_data</c>, <c>write_restart</c>/<c>read_restart</c> (<see cref="MdRestartFile"/>), <c>reset_timestep</c>, <c>run</c>, <c>print</c>, and the no-ops <c>newton on</c>,
/// <c>processors</c>, <c>atom_modify</c>. Anything else is a <see cref="LammpsScriptException"/> naming the file,
/// line and command. A dry pass (<c>dry: true</c>) runs every command except that it writes no file and the caller
/// completes each run with its starting atoms: the check a script passes before anything runs.
/// </remarks>
public sealed class ScriptInterpreter
{
    private const double LatticeEpsilon = 1.0e-6;

    private readonly IReadOnlyList<ScriptLine> _lines;
    private readonly string _directory;
    private readonly bool _dry;
    private readonly ScriptVariables _variables = new();
    private readonly Dictionary<string, double[]> _regions = new(StringComparer.Ordinal);
    private readonly List<(string Id, string Style, double[] Arguments, int Serial)> _fixes = [];
    // Counts fix commands: a fix keeps its serial while it stands, so runs can tell a continuing fix from a new one.
    private int _fixSerial;
    // fix shake by fix id: its arguments and the degrees of freedom its clusters remove (FixShake::dof).
    private readonly Dictionary<string, (ShakeSettings Settings, int Dof)> _shakes = [];
    private readonly Dictionary<string, RdfCompute> _computes = new(StringComparer.Ordinal);
    private readonly List<(AveTimeSettings Settings, int Serial)> _aveTimes = [];
    private readonly Dictionary<string, ScriptDump> _dumps = new(StringComparer.Ordinal);
    private readonly List<string> _pairCoefficients = [];

    private UnitSystem _units = UnitSystem.Lj;
    private AtomStyle _atomStyle = AtomStyle.Atomic;
    private ScriptLattice? _lattice;
    private MdSystem? _system;
    private double[]? _masses;
    private string? _pairStyle;
    private double[] _pairArguments = [];
    private string _mixing = "geometric";
    private bool _shift;
    private string _kspace = "none";
    private double _kspaceAccuracy;
    private double? _gEwald;
    private string? _bondStyle;
    private string? _angleStyle;
    private double[] _specialLj = [0.0, 0.0, 0.0];
    private double[] _specialCoul = [0.0, 0.0, 0.0];
    private double? _skin;
    private int _neighborEvery = 1;
    private double? _timestep;
    private ThermoSettings _thermo = ThermoSettings.Default;
    private long _step;
    private long _resetStep;
    private double _timeAtReset;
    private ScriptLine _current = new("", 0, "");
    private string _command = "";

    /// <summary>An interpreter over a script's text.</summary>
    /// <param name="text">The script.</param>
    /// <param name="fileName">Its name in messages.</param>
    /// <param name="directory">Where relative file names are looked up after the working directory.</param>
    /// <param name="commandLineVariables"><c>-var NAME VALUE</c> pairs (index variables defined first).</param>
    /// <param name="dry">Check only: write no files.</param>
    public ScriptInterpreter(string text, string fileName, string directory, IEnumerable<KeyValuePair<string, string>> commandLineVariables, bool dry)
    {
        ArgumentNullException.ThrowIfNull(commandLineVariables);
        _lines = ScriptLine.Split(text, fileName);
        _directory = directory;
        _dry = dry;
        foreach (var (name, value) in commandLineVariables)
        {
            _variables.DefineIndex(name, value);
        }
        _variables.Keyword = Keyword;
    }

    /// <summary>Receives every command line as run (LAMMPS' echo to the log) and the messages LAMMPS prints.</summary>
    public Action<string> Echo { get; set; } = _ => { };

    /// <summary>The unit style in force.</summary>
    public UnitSystem Units => _units;

    /// <summary>The atoms now (after the last completed run), or null before a box exists.</summary>
    public MdSystem? System => _system;

    /// <summary>The current timestep number.</summary>
    public long Step => _step;

    /// <summary>The context thermo keywords of <paramref name="run"/> need.</summary>
    public ThermoContext ContextOf(ScriptRun run, long firstStepEver)
    {
        ArgumentNullException.ThrowIfNull(run);
        var mass = 0.0;
        foreach (var t in run.System.Types)
        {
            mass += run.System.Masses[t - 1];
        }
        return new ThermoContext(UnitSystem.Parse(run.Units), run.System.Box, run.System.AtomCount, mass, run.Timestep,
            run.FirstStep, firstStepEver, _resetStep, _timeAtReset);
    }

    /// <summary>Runs the script's commands, yielding each <c>run</c>; the caller must <see cref="ScriptRun.Complete"/>
    /// it before asking for the next.</summary>
    /// <exception cref="LammpsScriptException">The first command that cannot be run.</exception>
    public IEnumerable<ScriptRun> Execute()
    {
        foreach (var line in _lines)
        {
            _current = line;
            _command = "";
            IReadOnlyList<string> words;
            try
            {
                words = ScriptVariables.Words(_variables.Substitute(line.Text));
            }
            catch (FormatException e)
            {
                var first = ScriptVariables.Words(line.Text.Split('#')[0]) is { Count: > 0 } raw ? raw[0] : "";
                throw new LammpsScriptException(line.FileName, line.Line, first, e.Message);
            }
            if (words.Count == 0)
            {
                continue;
            }
            _command = words[0];
            Echo(line.Text);
            ScriptRun? run;
            try
            {
                run = Command(words[0], words.Skip(1).ToArray());
            }
            catch (LammpsScriptException)
            {
                throw;
            }
            catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidOperationException
                or UnauthorizedAccessException)
            {
                throw Error(e.Message);
            }
            if (run is null)
            {
                continue;
            }
            yield return run;
            var final = run.Final ?? throw new InvalidOperationException("run was not completed");
            _system = final;
            _step = run.FirstStep + run.Steps;
        }
    }

    private LammpsScriptException Error(string problem) => new(_current.FileName, _current.Line, _command, problem);

    private ScriptRun? Command(string command, string[] a)
    {
        switch (command)
        {
            case "variable":
                if (a.Length == 2 && a[1] == "delete")
                {
                    _variables.Delete(a[0]);
                }
                else
                {
                    _variables.Define(a);
                }
                return null;
            case "units":
                Count(a, 1);
                RequireNoBox("units");
                _units = UnitSystem.Parse(a[0]);
                return null;
            case "atom_style":
                Count(a, 1);
                RequireNoBox("atom_style");
                _atomStyle = a[0] switch
                {
                    "atomic" => AtomStyle.Atomic,
                    "charge" => AtomStyle.Charge,
                    "full" => AtomStyle.Full,
                    _ => throw new FormatException($"atom style '{a[0]}' is not supported (atomic, charge, full)"),
                };
                return null;
            case "boundary":
                Count(a, 3);
                if (a.Any(b => b != "p"))
                {
                    throw new FormatException("only periodic boundaries (p p p) are supported");
                }
                return null;
            case "dimension":
                Count(a, 1);
                if (a[0] != "3")
                {
                    throw new FormatException("only dimension 3 is supported");
                }
                return null;
            case "newton":
                if (a.Length < 1 || a.Any(w => w != "on"))
                {
                    throw new FormatException("only 'newton on' is supported");
                }
                return null;
            case "processors":
            case "atom_modify":
                // Decomposition and atom-map choices of LAMMPS: the domains choose their own.
                return null;
            case "lattice":
                _lattice = a.Length >= 1 && a[0] == "none" ? null : ScriptLattice.Parse(a, _units);
                if (_lattice is not null)
                {
                    Echo(string.Create(CultureInfo.InvariantCulture,
                        $"Lattice spacing in x,y,z = {CFormat.G(_lattice.Spacing[0], 8)} {CFormat.G(_lattice.Spacing[1], 8)} {CFormat.G(_lattice.Spacing[2], 8)}"));
                }
                return null;
            case "region":
                Region(a);
                return null;
            case "create_box":
                CreateBox(a);
                return null;
            case "create_atoms":
                CreateAtoms(a);
                return null;
            case "mass":
                Mass(a);
                return null;
            case "set":
                Set(a);
                return null;
            case "velocity":
                Velocity(a);
                return null;
            case "read_data":
                ReadData(a);
                return null;
            case "pair_style":
                PairStyle(a);
                return null;
            case "pair_coeff":
                PairCoeff(a);
                return null;
            case "pair_modify":
                PairModify(a);
                return null;
            case "kspace_style":
                KSpaceStyle(a);
                return null;
            case "bond_style":
                _bondStyle = BondedStyle(a, "bond");
                return null;
            case "angle_style":
                _angleStyle = BondedStyle(a, "angle");
                return null;
            case "bond_coeff":
                BondedCoeff(a, angle: false);
                return null;
            case "angle_coeff":
                BondedCoeff(a, angle: true);
                return null;
            case "special_bonds":
                SpecialBondsCommand(a);
                return null;
            case "kspace_modify":
                KSpaceModify(a);
                return null;
            case "neighbor":
                if (a.Length != 2 || a[1] is not ("bin" or "nsq"))
                {
                    throw new FormatException("expected SKIN bin|nsq");
                }
                _skin = ScriptNumbers.Double(a[0], "skin");
                if (_skin < 0)
                {
                    throw new FormatException("skin must be >= 0");
                }
                return null;
            case "neigh_modify":
                NeighModify(a);
                return null;
            case "timestep":
                Count(a, 1);
                _timestep = ScriptNumbers.Double(a[0], "timestep");
                if (!(_timestep > 0))
                {
                    throw new FormatException("timestep must be > 0");
                }
                return null;
            case "fix":
                Fix(a);
                return null;
            case "compute":
                Compute(a);
                return null;
            case "dihedral_style":
            case "improper_style":
                // Accepted for systems without dihedrals and impropers (a data file's are refused when read).
                if (a.Length != 1 || a[0] != "none")
                {
                    throw new FormatException($"{command} style '{string.Join(' ', a)}' is not supported (none)");
                }
                return null;
            case "uncompute":
                Count(a, 1);
                if (!_computes.Remove(a[0]))
                {
                    throw new FormatException($"no compute with id '{a[0]}'");
                }
                return null;
            case "unfix":
                Count(a, 1);
                _shakes.Remove(a[0]);
                _aveTimes.RemoveAll(f => f.Settings.Id == a[0]);
                if (_fixes.RemoveAll(f => f.Id == a[0]) == 0)
                {
                    throw new FormatException($"no fix with id '{a[0]}'");
                }
                return null;
            case "thermo":
                Count(a, 1);
                _thermo = _thermo with { Every = ScriptNumbers.Int(a[0], "thermo interval") };
                if (_thermo.Every < 0)
                {
                    throw new FormatException("thermo interval must be >= 0");
                }
                return null;
            case "thermo_style":
                ThermoStyle(a);
                return null;
            case "thermo_modify":
                ThermoModify(a);
                return null;
            case "dump":
                Dump(a);
                return null;
            case "undump":
                Count(a, 1);
                if (!_dumps.Remove(a[0]))
                {
                    throw new FormatException($"no dump with id '{a[0]}'");
                }
                return null;
            case "dump_modify":
                DumpModify(a);
                return null;
            case "write_data":
                WriteData(a);
                return null;
            case "write_restart":
                WriteRestart(a);
                return null;
            case "read_restart":
                ReadRestart(a);
                return null;
            case "reset_timestep":
                Count(a, 1);
                var step = ScriptNumbers.Long(a[0], "timestep");
                if (step < 0)
                {
                    throw new FormatException("timestep must be >= 0");
                }
                _timeAtReset += (_step - _resetStep) * (_timestep ?? _units.DefaultTimestep);
                _step = _resetStep = step;
                return null;
            case "print":
                if (a.Length < 1)
                {
                    throw new FormatException("expected a text");
                }
                // Input::print substitutes its text once more: variables inside the quotes too.
                Echo(_variables.Substitute(string.Join(' ', a)));
                return null;
            case "run":
                return Run(a);
            default:
                throw new FormatException("unknown or unsupported command");
        }
    }

    private double? Keyword(string word)
    {
        return word switch
        {
            "step" => _step,
            "atoms" => _system?.AtomCount ?? 0,
            "dt" => _timestep ?? _units.DefaultTimestep,
            "lx" => _system?.Box.LengthX,
            "ly" => _system?.Box.LengthY,
            "lz" => _system?.Box.LengthZ,
            "vol" => _system?.Box.Volume,
            "xlo" => _system?.Box.XLo,
            "xhi" => _system?.Box.XHi,
            "ylo" => _system?.Box.YLo,
            "yhi" => _system?.Box.YHi,
            "zlo" => _system?.Box.ZLo,
            "zhi" => _system?.Box.ZHi,
            _ => null,
        };
    }

    private static void Count(string[] a, int n)
    {
        if (a.Length != n)
        {
            throw new FormatException($"expected {n} argument(s), got {a.Length}");
        }
    }

    private void RequireNoBox(string what)
    {
        if (_system is not null)
        {
            throw new FormatException($"{what} must come before the box is defined");
        }
    }

    private MdSystem RequireBox() =>
        _system ?? throw new FormatException("no simulation box yet (create_box or read_data first)");

    private void Group(string group)
    {
        if (group != "all")
        {
            throw new FormatException($"group '{group}' is not defined (only 'all' is supported)");
        }
    }

    private void Region(string[] a)
    {
        if (a.Length < 8 || a[1] != "block")
        {
            throw new FormatException("expected ID block xlo xhi ylo yhi zlo zhi [units box|lattice]");
        }
        var lattice = true;
        for (var i = 8; i < a.Length; i += 2)
        {
            if (a[i] != "units" || i + 1 >= a.Length || a[i + 1] is not ("box" or "lattice"))
            {
                throw new FormatException($"region keyword '{a[i]}' is not supported (units box|lattice)");
            }
            lattice = a[i + 1] == "lattice";
        }
        if (lattice && _lattice is null)
        {
            throw new FormatException("region in lattice units needs a lattice (or 'units box')");
        }
        var bounds = new double[6];
        for (var k = 0; k < 6; k++)
        {
            var value = ScriptNumbers.Double(a[2 + k], "bound");
            // region.cpp: xlo = xscale * value.
            bounds[k] = (lattice ? _lattice!.Spacing[k / 2] : 1.0) * value;
        }
        if (bounds[0] >= bounds[1] || bounds[2] >= bounds[3] || bounds[4] >= bounds[5])
        {
            throw new FormatException("region bounds must have lo < hi");
        }
        _regions[a[0]] = bounds;
    }

    private double[] FindRegion(string id) =>
        _regions.TryGetValue(id, out var r) ? r : throw new FormatException($"region '{id}' is not defined");

    private void CreateBox(string[] a)
    {
        if (a.Length != 2)
        {
            throw new FormatException("expected NTYPES REGION");
        }
        RequireNoBox("create_box");
        var types = ScriptNumbers.Int(a[0], "type count");
        if (types < 1)
        {
            throw new FormatException("type count must be >= 1");
        }
        var r = FindRegion(a[1]);
        var box = new OrthogonalBox(r[0], r[1], r[2], r[3], r[4], r[5]);
        _masses = Enumerable.Repeat(double.NaN, types).ToArray();
        _system = NewSystem(box, types, [], [], [], [], [], [], [], _masses);
        Echo(string.Create(CultureInfo.InvariantCulture,
            $"Created orthogonal box = ({CFormat.G(box.XLo, 8)} {CFormat.G(box.YLo, 8)} {CFormat.G(box.ZLo, 8)}) to ({CFormat.G(box.XHi, 8)} {CFormat.G(box.YHi, 8)} {CFormat.G(box.ZHi, 8)})"));
    }

    private MdSystem NewSystem(OrthogonalBox box, int types, int[] ids, int[] t, double[] x, double[] v, int[] image, double[] q,
        int[] molecules, double[] masses) =>
        new(box, types, ids, t, x, v, image, masses, _atomStyle == AtomStyle.Atomic ? null : q,
            _atomStyle == AtomStyle.Full ? molecules : null, _atomStyle);

    private void CreateAtoms(string[] a)
    {
        var system = RequireBox();
        if (a.Length < 2)
        {
            throw new FormatException("expected TYPE box|region ID [basis M TYPE]...");
        }
        var type = ScriptNumbers.Int(a[0], "type");
        if (type < 1 || type > system.TypeCount)
        {
            throw new FormatException($"type {type} is outside 1..{system.TypeCount}");
        }
        double[]? region = null;
        var next = 2;
        if (a[1] == "region")
        {
            if (a.Length < 3)
            {
                throw new FormatException("create_atoms region needs a region id");
            }
            region = FindRegion(a[2]);
            next = 3;
        }
        else if (a[1] != "box")
        {
            throw new FormatException($"create_atoms style '{a[1]}' is not supported (box, region)");
        }
        var lattice = _lattice ?? throw new FormatException("create_atoms needs a lattice");
        var basisTypes = Enumerable.Repeat(type, lattice.Basis.Count).ToArray();
        for (var i = next; i < a.Length; i += 3)
        {
            if (a[i] != "basis" || i + 2 >= a.Length)
            {
                throw new FormatException($"create_atoms keyword '{a[i]}' is not supported (basis M TYPE)");
            }
            var m = ScriptNumbers.Int(a[i + 1], "basis atom");
            var t = ScriptNumbers.Int(a[i + 2], "type");
            if (m < 1 || m > lattice.Basis.Count || t < 1 || t > system.TypeCount)
            {
                throw new FormatException($"basis {a[i + 1]} {a[i + 2]} is out of range");
            }
            basisTypes[m - 1] = t;
        }
        var box = system.Box;
        // create_atoms.cpp: a periodic box keeps points in [lo - eps, hi - 2 eps), eps = 1e-6 of the box length.
        double[] lo = [box.XLo - box.LengthX * LatticeEpsilon, box.YLo - box.LengthY * LatticeEpsilon, box.ZLo - box.LengthZ * LatticeEpsilon];
        double[] hi = [box.XHi - 2.0 * box.LengthX * LatticeEpsilon, box.YHi - 2.0 * box.LengthY * LatticeEpsilon, box.ZHi - 2.0 * box.LengthZ * LatticeEpsilon];
        var range = new int[6];
        for (var d = 0; d < 3; d++)
        {
            range[2 * d] = (int)Math.Floor(box.Lo(d) / lattice.Spacing[d]) - 1;
            range[2 * d + 1] = (int)Math.Ceiling(box.Hi(d) / lattice.Spacing[d]) + 1;
        }
        var ids = new List<int>(system.Ids);
        var types = new List<int>(system.Types);
        var positions = new List<double>(system.Positions);
        var nextId = system.AtomCount == 0 ? 1 : system.Ids.Max() + 1;
        var created = 0;
        for (var k = range[4]; k <= range[5]; k++)
        {
            for (var j = range[2]; j <= range[3]; j++)
            {
                for (var i = range[0]; i <= range[1]; i++)
                {
                    for (var m = 0; m < lattice.Basis.Count; m++)
                    {
                        var b = lattice.Basis[m];
                        var x = lattice.ToBox(i + b[0], j + b[1], k + b[2]);
                        if (region is not null && !(x[0] >= region[0] && x[0] <= region[1] && x[1] >= region[2]
                                && x[1] <= region[3] && x[2] >= region[4] && x[2] <= region[5]))
                        {
                            continue;
                        }
                        if (x[0] < lo[0] || x[0] >= hi[0] || x[1] < lo[1] || x[1] >= hi[1] || x[2] < lo[2] || x[2] >= hi[2])
                        {
                            continue;
                        }
                        ids.Add(nextId++);
                        types.Add(basisTypes[m]);
                        positions.AddRange(x);
                        created++;
                    }
                }
            }
        }
        var n = ids.Count;
        var velocities = new double[3 * n];
        system.Velocities.CopyTo(velocities, 0);
        var images = new int[3 * n];
        system.Images.CopyTo(images, 0);
        var charges = new double[n];
        system.Charges?.CopyTo(charges, 0);
        var molecules = new int[n];
        system.MoleculeIds?.CopyTo(molecules, 0);
        _system = NewSystem(box, system.TypeCount, ids.ToArray(), types.ToArray(), positions.ToArray(), velocities, images, charges,
            molecules, system.Masses);
        Echo(string.Create(CultureInfo.InvariantCulture, $"Created {created} atoms"));
    }

    private void Mass(string[] a)
    {
        var system = RequireBox();
        Count(a, 2);
        var (lo, hi) = ScriptNumbers.Range(a[0], system.TypeCount, "type");
        var mass = ScriptNumbers.Double(a[1], "mass");
        if (!(mass > 0))
        {
            throw new FormatException("mass must be > 0");
        }
        for (var t = lo; t <= hi; t++)
        {
            system.Masses[t - 1] = mass;
        }
    }

    private void Set(string[] a)
    {
        var system = RequireBox();
        if (a.Length < 4 || a[0] is not ("type" or "atom"))
        {
            throw new FormatException("expected type|atom ID KEYWORD VALUES (type/fraction, charge)");
        }
        var (lo, hi) = ScriptNumbers.Range(a[1], a[0] == "type" ? system.TypeCount : int.MaxValue, a[0]);
        bool Selected(int i) => a[0] == "type" ? system.Types[i] >= lo && system.Types[i] <= hi : system.Ids[i] >= lo && system.Ids[i] <= hi;
        for (var k = 2; k < a.Length;)
        {
            switch (a[k])
            {
                case "charge":
                    if (k + 1 >= a.Length)
                    {
                        throw new FormatException("charge needs a value");
                    }
                    var q = ScriptNumbers.Double(a[k + 1], "charge");
                    var charges = system.Charges ?? throw new FormatException("atom style atomic has no charges");
                    for (var i = 0; i < system.AtomCount; i++)
                    {
                        if (Selected(i))
                        {
                            charges[i] = q;
                        }
                    }
                    k += 2;
                    break;
                case "type/fraction":
                    if (k + 3 >= a.Length)
                    {
                        throw new FormatException("type/fraction needs TYPE FRACTION SEED");
                    }
                    var newType = ScriptNumbers.Int(a[k + 1], "type");
                    var fraction = ScriptNumbers.Double(a[k + 2], "fraction");
                    var seed = ScriptNumbers.Int(a[k + 3], "seed");
                    if (newType < 1 || newType > system.TypeCount || fraction < 0 || fraction > 1 || seed <= 0)
                    {
                        throw new FormatException("type/fraction: type in range, fraction in [0, 1], seed > 0");
                    }
                    // set.cpp: each atom's generator is reseeded from the seed and its coordinates.
                    var random = new ParkMillerRandom(seed);
                    var x = system.Positions;
                    var selected = Enumerable.Range(0, system.AtomCount).Where(Selected).ToArray();
                    foreach (var i in selected)
                    {
                        random.Reset(seed, x[3 * i], x[3 * i + 1], x[3 * i + 2]);
                        if (random.Uniform() >= fraction)
                        {
                            continue;
                        }
                        system.Types[i] = newType;
                    }
                    k += 4;
                    break;
                default:
                    throw new FormatException($"set keyword '{a[k]}' is not supported (charge, type/fraction)");
            }
        }
    }

    private void Velocity(string[] a)
    {
        var system = RequireBox();
        if (a.Length < 2)
        {
            throw new FormatException("expected GROUP create|set|scale|zero ...");
        }
        Group(a[0]);
        var style = a[1];
        var (fixedCount, defaults) = style switch
        {
            "create" => (2, true),
            "set" => (3, true),
            "scale" => (1, true),
            "zero" => (1, true),
            _ => throw new FormatException($"velocity style '{style}' is not supported (create, set, scale, zero)"),
        };
        _ = defaults;
        if (a.Length < 2 + fixedCount)
        {
            throw new FormatException($"velocity {style} needs {fixedCount} value(s)");
        }
        var args = a[2..(2 + fixedCount)];
        string dist = "uniform", loop = "all";
        bool momentum = true, rotation = false, sum = false, latticeUnits = true;
        for (var i = 2 + fixedCount; i < a.Length; i += 2)
        {
            if (i + 1 >= a.Length)
            {
                throw new FormatException($"keyword '{a[i]}' needs a value");
            }
            var value = a[i + 1];
            switch (a[i])
            {
                case "dist":
                    dist = value is "uniform" or "gaussian" ? value : throw new FormatException("dist must be uniform or gaussian");
                    break;
                case "loop":
                    loop = value is "all" or "local" or "geom" ? value : throw new FormatException("loop must be all, local or geom");
                    break;
                case "mom":
                    momentum = ScriptNumbers.YesNo(value, "mom");
                    break;
                case "rot":
                    rotation = ScriptNumbers.YesNo(value, "rot");
                    break;
                case "sum":
                    sum = ScriptNumbers.YesNo(value, "sum");
                    break;
                case "units":
                    latticeUnits = value is "lattice" ? true : value is "box" ? false : throw new FormatException("units must be box or lattice");
                    break;
                default:
                    throw new FormatException($"velocity keyword '{a[i]}' is not supported (dist, loop, mom, rot, sum, units)");
            }
        }
        if (rotation)
        {
            throw new FormatException("rot yes is not supported");
        }
        var v = system.Velocities;
        var n = system.AtomCount;
        switch (style)
        {
            case "create":
                var temperature = ScriptNumbers.Double(args[0], "temperature");
                var seed = ScriptNumbers.Int(args[1], "seed");
                if (temperature < 0 || seed <= 0)
                {
                    throw new FormatException("temperature must be >= 0 and seed > 0");
                }
                RequireMasses(system);
                var hold = sum ? (double[])v.Clone() : null;
                Create(system, seed, dist == "gaussian", loop);
                if (momentum)
                {
                    ZeroMomentum(system);
                }
                Rescale(system, temperature);
                if (hold is not null)
                {
                    for (var c = 0; c < 3 * n; c++)
                    {
                        v[c] += hold[c];
                    }
                }
                return;
            case "set":
                double?[] value = new double?[3];
                for (var d = 0; d < 3; d++)
                {
                    if (args[d] != "NULL")
                    {
                        var scale = latticeUnits ? (_lattice ?? throw new FormatException("velocity set in lattice units needs a lattice (or units box)")).Spacing[d] : 1.0;
                        value[d] = ScriptNumbers.Double(args[d], "velocity") * scale;
                    }
                }
                for (var i = 0; i < n; i++)
                {
                    for (var d = 0; d < 3; d++)
                    {
                        if (value[d] is { } vd)
                        {
                            v[3 * i + d] = sum ? v[3 * i + d] + vd : vd;
                        }
                    }
                }
                return;
            case "scale":
                RequireMasses(system);
                Rescale(system, ScriptNumbers.Double(args[0], "temperature"));
                return;
            default:
                if (args[0] != "linear")
                {
                    throw new FormatException("only 'velocity all zero linear' is supported");
                }
                RequireMasses(system);
                ZeroMomentum(system);
                return;
        }
    }

    private static void RequireMasses(MdSystem system)
    {
        for (var t = 0; t < system.TypeCount; t++)
        {
            if (!(system.Masses[t] > 0))
            {
                throw new FormatException($"no mass set for atom type {t + 1}");
            }
        }
    }

    // velocity.cpp Velocity::create, with the RanPark streams of each loop style.
    private static void Create(MdSystem system, int seed, bool gaussian, string loop)
    {
        var n = system.AtomCount;
        var v = system.Velocities;
        var x = system.Positions;
        (double, double, double) Draw(ParkMillerRandom r) => gaussian
            ? (r.Gaussian(), r.Gaussian(), r.Gaussian())
            : (r.Uniform() - 0.5, r.Uniform() - 0.5, r.Uniform() - 0.5);
        void Assign(int i, (double X, double Y, double Z) d)
        {
            var factor = 1.0 / Math.Sqrt(system.Masses[system.Types[i] - 1]);
            v[3 * i] = d.X * factor;
            v[3 * i + 1] = d.Y * factor;
            v[3 * i + 2] = d.Z * factor;
        }
        switch (loop)
        {
            case "all":
            {
                var byId = new Dictionary<int, int>(n);
                for (var i = 0; i < n; i++)
                {
                    byId[system.Ids[i]] = i;
                }
                if (byId.Count != n || (n > 0 && (system.Ids.Min() != 1 || system.Ids.Max() != n)))
                {
                    throw new FormatException("atom ids must be 1..N for velocity create loop all");
                }
                var random = new ParkMillerRandom(seed);
                for (var id = 1; id <= n; id++)
                {
                    Assign(byId[id], Draw(random));
                }
                return;
            }
            case "local":
            {
                // One process (rank 0): seed + 0, warmed up by 100 draws (WARMUP).
                var random = new ParkMillerRandom(seed);
                for (var w = 0; w < 100; w++)
                {
                    random.Uniform();
                }
                for (var i = 0; i < n; i++)
                {
                    Assign(i, Draw(random));
                }
                return;
            }
            default:
            {
                var random = new ParkMillerRandom(1);
                for (var i = 0; i < n; i++)
                {
                    random.Reset(seed, x[3 * i], x[3 * i + 1], x[3 * i + 2]);
                    Assign(i, Draw(random));
                }
                return;
            }
        }
    }

    // Velocity::zero_momentum with Group::vcm and Group::mass.
    private static void ZeroMomentum(MdSystem system)
    {
        var n = system.AtomCount;
        var v = system.Velocities;
        double px = 0, py = 0, pz = 0, total = 0;
        for (var i = 0; i < n; i++)
        {
            var m = system.Masses[system.Types[i] - 1];
            px += v[3 * i] * m;
            py += v[3 * i + 1] * m;
            pz += v[3 * i + 2] * m;
        }
        for (var i = 0; i < n; i++)
        {
            total += system.Masses[system.Types[i] - 1];
        }
        if (!(total > 0))
        {
            return;
        }
        px /= total;
        py /= total;
        pz /= total;
        for (var i = 0; i < n; i++)
        {
            v[3 * i] -= px;
            v[3 * i + 1] -= py;
            v[3 * i + 2] -= pz;
        }
    }

    // ComputeTemp::compute_scalar, then Velocity::rescale: v *= sqrt(T_new / T_old).
    private void Rescale(MdSystem system, double target)
    {
        var n = system.AtomCount;
        var v = system.Velocities;
        var t = 0.0;
        for (var i = 0; i < n; i++)
        {
            t += (v[3 * i] * v[3 * i] + v[3 * i + 1] * v[3 * i + 1] + v[3 * i + 2] * v[3 * i + 2]) * system.Masses[system.Types[i] - 1];
        }
        // ComputeTemp::dof_compute: fix shake's constraints count (fix_dof) once the fix exists.
        var dof = 3.0 * n - 3.0 - _shakes.Values.Sum(s => s.Dof);
        var tfactor = dof > 0 ? _units.Mvv2e / (dof * _units.Boltzmann) : 0.0;
        t *= tfactor;
        if (!(t > 0))
        {
            throw new FormatException("the current temperature is 0: cannot rescale");
        }
        var factor = Math.Sqrt(target / t);
        for (var c = 0; c < 3 * n; c++)
        {
            v[c] *= factor;
        }
    }

    private void ReadData(string[] a)
    {
        if (a.Length < 1)
        {
            throw new FormatException("expected FILE");
        }
        RequireNoBox("read_data");
        for (var i = 1; i < a.Length; i++)
        {
            if (a[i] != "nocoeff")
            {
                throw new FormatException($"read_data keyword '{a[i]}' is not supported (nocoeff)");
            }
        }
        var path = Resolve(a[0]);
        MdSystem system;
        try
        {
            system = LammpsDataReader.Read(path, _atomStyle);
        }
        catch (LammpsDataFormatException e)
        {
            throw new FormatException(e.Message, e);
        }
        if (a.Contains("nocoeff") && system.PairCoefficients is not null)
        {
            system = new MdSystem(system.Box, system.TypeCount, system.Ids, system.Types, system.Positions, system.Velocities,
                system.Images, system.Masses, system.Charges, system.MoleculeIds, system.Style) { Title = system.Title };
        }
        _system = system;
        _masses = system.Masses;
        Echo(string.Create(CultureInfo.InvariantCulture, $"  {system.AtomCount} atoms"));
    }

    /// <summary>A file name as LAMMPS opens it (the working directory), else beside the script.</summary>
    private string Resolve(string name)
    {
        if (Path.IsPathRooted(name) || File.Exists(name))
        {
            return name;
        }
        var beside = Path.Combine(_directory, name);
        return File.Exists(beside) ? beside : throw new FormatException($"cannot open '{name}'");
    }

    private void PairStyle(string[] a)
    {
        if (a.Length < 2)
        {
            throw new FormatException("expected STYLE CUTOFF...");
        }
        var max = a[0] switch
        {
            "lj/cut" => 1,
            "lj/cut/coul/long" => 2,
            _ => throw new FormatException($"pair style '{a[0]}' is not supported (lj/cut, lj/cut/coul/long)"),
        };
        if (a.Length - 1 > max)
        {
            throw new FormatException($"pair style {a[0]} takes at most {max} cutoff(s)");
        }
        var arguments = a.Skip(1).Select(w => ScriptNumbers.Double(w, "cutoff")).ToArray();
        if (arguments.Any(c => !(c > 0)))
        {
            throw new FormatException("cutoffs must be > 0");
        }
        if (_pairStyle != a[0])
        {
            _pairCoefficients.Clear();
        }
        _pairStyle = a[0];
        _pairArguments = arguments;
    }

    private static string BondedStyle(string[] a, string what)
    {
        Count(a, 1);
        return a[0] == "harmonic" ? a[0] : throw new FormatException($"{what} style '{a[0]}' is not supported (harmonic)");
    }

    // bond_coeff N K r0 / angle_coeff N K theta0 (harmonic): kept in the system's topology, as read_data's Coeffs sections.
    private void BondedCoeff(string[] a, bool angle)
    {
        var system = RequireBox();
        var what = angle ? "angle" : "bond";
        if ((angle ? _angleStyle : _bondStyle) is null)
        {
            throw new FormatException($"{what}_coeff before {what}_style");
        }
        var topology = system.Topology;
        var types = topology is null ? 0 : angle ? topology.AngleTypeCount : topology.BondTypeCount;
        if (topology is null || types == 0)
        {
            throw new FormatException($"the system has no {what} types");
        }
        if (a.Length != 3)
        {
            throw new FormatException(angle ? "expected N K theta0 (harmonic)" : "expected N K r0 (harmonic)");
        }
        var (lo, hi) = ScriptNumbers.Range(a[0], types, $"{what} type");
        var k = ScriptNumbers.Double(a[1], "K");
        var rest = ScriptNumbers.Double(a[2], angle ? "theta0" : "r0");
        var lines = (angle ? topology.AngleCoefficients : topology.BondCoefficients)?.ToArray() ?? new string[types];
        for (var t = lo; t <= hi; t++)
        {
            lines[t - 1] = string.Create(CultureInfo.InvariantCulture, $"{k:R} {rest:R}");
        }
        _system = WithTopology(system, angle ? topology with { AngleCoefficients = lines } : topology with { BondCoefficients = lines });
    }

    private static MdSystem WithTopology(MdSystem system, MolecularTopology topology) =>
        new(system.Box, system.TypeCount, system.Ids, system.Types, system.Positions, system.Velocities, system.Images,
            system.Masses, system.Charges, system.MoleculeIds, system.Style)
        { Title = system.Title, PairCoefficients = system.PairCoefficients, Topology = topology };

    // LAMMPS special.cpp / force.cpp set_special: every special_bonds command starts from the defaults (0 0 0).
    private void SpecialBondsCommand(string[] a)
    {
        if (a.Length == 0)
        {
            throw new FormatException("expected lj/coul, lj or coul and three weights");
        }
        double[] lj = [0.0, 0.0, 0.0];
        double[] coul = [0.0, 0.0, 0.0];
        for (var i = 0; i < a.Length;)
        {
            switch (a[i])
            {
                case "lj/coul" or "lj" or "coul":
                    if (i + 3 >= a.Length)
                    {
                        throw new FormatException($"{a[i]} needs three weights (1-2, 1-3, 1-4)");
                    }
                    var w = a.Skip(i + 1).Take(3).Select(v => ScriptNumbers.Double(v, "weight")).ToArray();
                    if (w.Any(v => !(v >= 0 && v <= 1)))
                    {
                        throw new FormatException("special_bonds weights must be in [0, 1]");
                    }
                    if (a[i] != "coul")
                    {
                        lj = w;
                    }
                    if (a[i] != "lj")
                    {
                        coul = w.ToArray();
                    }
                    i += 4;
                    break;
                case "charmm":
                    (lj, coul) = ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0]);
                    i++;
                    break;
                case "amber":
                    (lj, coul) = ([0.0, 0.0, 0.5], [0.0, 0.0, 5.0 / 6.0]);
                    i++;
                    break;
                case "dreiding":
                    (lj, coul) = ([0.0, 0.0, 1.0], [0.0, 0.0, 1.0]);
                    i++;
                    break;
                case "fene":
                    (lj, coul) = ([0.0, 1.0, 1.0], [0.0, 1.0, 1.0]);
                    i++;
                    break;
                case "angle" or "dihedral":
                    if (i + 1 >= a.Length || a[i + 1] != "no")
                    {
                        throw new FormatException($"special_bonds {a[i]} yes is not supported (no)");
                    }
                    i += 2;
                    break;
                default:
                    throw new FormatException($"special_bonds keyword '{a[i]}' is not supported (lj/coul, lj, coul, angle no, dihedral no)");
            }
        }
        (_specialLj, _specialCoul) = (lj, coul);
    }

    private void PairCoeff(string[] a)
    {
        var system = RequireBox();
        if (_pairStyle is null)
        {
            throw new FormatException("pair_coeff before pair_style");
        }
        if (a.Length is < 4 or > 5)
        {
            throw new FormatException("expected I J epsilon sigma [cutoff]");
        }
        var (ilo, ihi) = ScriptNumbers.Range(a[0], system.TypeCount, "type");
        var (jlo, jhi) = ScriptNumbers.Range(a[1], system.TypeCount, "type");
        var rest = a.Skip(2).Select(w => ScriptNumbers.Double(w, "coefficient").ToString("R", CultureInfo.InvariantCulture)).ToArray();
        var set = 0;
        for (var i = ilo; i <= ihi; i++)
        {
            for (var j = Math.Max(jlo, i); j <= jhi; j++)
            {
                _pairCoefficients.Add(string.Create(CultureInfo.InvariantCulture, $"{i} {j} {string.Join(' ', rest)}"));
                set++;
            }
        }
        if (set == 0)
        {
            throw new FormatException("the type ranges set no I <= J pair");
        }
    }

    private void PairModify(string[] a)
    {
        if (a.Length == 0 || a.Length % 2 != 0)
        {
            throw new FormatException("expected KEYWORD VALUE pairs");
        }
        for (var i = 0; i < a.Length; i += 2)
        {
            switch (a[i])
            {
                case "shift":
                    _shift = ScriptNumbers.YesNo(a[i + 1], "shift");
                    break;
                case "mix":
                    _mixing = a[i + 1] is "geometric" or "arithmetic" ? a[i + 1] : throw new FormatException("mix must be geometric or arithmetic");
                    break;
                case "table":
                    // The domains evaluate erfc analytically: table 0. A tabulated LAMMPS run differs by ~1e-6 relative.
                    ScriptNumbers.Int(a[i + 1], "table");
                    break;
                default:
                    throw new FormatException($"pair_modify keyword '{a[i]}' is not supported (shift, mix, table)");
            }
        }
    }

    private void KSpaceStyle(string[] a)
    {
        if (a.Length == 1 && a[0] == "none")
        {
            _kspace = "none";
            return;
        }
        if (a.Length != 2 || a[0] is not ("ewald" or "pppm"))
        {
            throw new FormatException("expected ewald|pppm ACCURACY, or none");
        }
        _kspace = a[0];
        _kspaceAccuracy = ScriptNumbers.Double(a[1], "accuracy");
        if (!(_kspaceAccuracy > 0 && _kspaceAccuracy < 1))
        {
            throw new FormatException("accuracy must be in (0, 1)");
        }
    }

    private void KSpaceModify(string[] a)
    {
        if (a.Length == 0 || a.Length % 2 != 0)
        {
            throw new FormatException("expected KEYWORD VALUE pairs");
        }
        for (var i = 0; i < a.Length; i += 2)
        {
            switch (a[i])
            {
                case "gewald":
                    var g = ScriptNumbers.Double(a[i + 1], "gewald");
                    if (g < 0)
                    {
                        throw new FormatException("gewald must be >= 0");
                    }
                    _gEwald = g == 0 ? null : g;
                    break;
                default:
                    throw new FormatException($"kspace_modify keyword '{a[i]}' is not supported (gewald)");
            }
        }
    }

    private void NeighModify(string[] a)
    {
        if (a.Length == 0 || a.Length % 2 != 0)
        {
            throw new FormatException("expected KEYWORD VALUE pairs");
        }
        for (var i = 0; i < a.Length; i += 2)
        {
            switch (a[i])
            {
                case "every":
                    _neighborEvery = ScriptNumbers.Int(a[i + 1], "every");
                    if (_neighborEvery < 1)
                    {
                        throw new FormatException("every must be >= 1");
                    }
                    break;
                case "delay":
                    if (ScriptNumbers.Int(a[i + 1], "delay") < 0)
                    {
                        throw new FormatException("delay must be >= 0");
                    }
                    break;
                case "check":
                    // The domains rebuild at every 'every' step: as often as LAMMPS may, so no pair is ever missed.
                    ScriptNumbers.YesNo(a[i + 1], "check");
                    break;
                case "one":
                case "page":
                    ScriptNumbers.Int(a[i + 1], a[i]);
                    break;
                default:
                    throw new FormatException($"neigh_modify keyword '{a[i]}' is not supported (every, delay, check, one, page)");
            }
        }
    }

    private void Fix(string[] a)
    {
        if (a.Length < 3)
        {
            throw new FormatException("expected ID GROUP STYLE ARGS");
        }
        Group(a[1]);
        double[] arguments;
        switch (a[2])
        {
            case "nve":
                if (a.Length != 3)
                {
                    throw new FormatException("fix nve takes no arguments");
                }
                arguments = [];
                break;
            case "langevin":
                if (a.Length != 7)
                {
                    throw new FormatException("expected fix ID all langevin T_START T_STOP DAMP SEED (no keywords)");
                }
                arguments = a.Skip(3).Select(w => ScriptNumbers.Double(w, "langevin argument")).ToArray();
                if (arguments[0] < 0 || arguments[1] < 0 || !(arguments[2] > 0) || arguments[3] != Math.Floor(arguments[3]) || arguments[3] < 1)
                {
                    throw new FormatException("temperatures >= 0, damp > 0, seed a positive integer");
                }
                break;
            case "shake":
                var settings = ShakeSettings.Parse(a.Skip(3).ToArray());
                var system = RequireBox();
                if (system.Topology is not { Bonds.Length: > 0 })
                {
                    throw new FormatException("fix shake needs a molecular system with bonds (atom_style full and a data file with Bonds)");
                }
                if (_shakes.Keys.Any(id => id != a[0]))
                {
                    throw new FormatException("more than one fix shake");
                }
                try
                {
                    // FixShake::find_clusters runs when the fix is defined; the distances come at the run (Fix::init).
                    _shakes[a[0]] = (settings, ShakeClusters.Find(system, settings, _ => 1.0, _ => 0.0).DegreesOfFreedom);
                }
                catch (ArgumentException e)
                {
                    throw new FormatException(e.Message);
                }
                arguments = [];
                break;
            case "ave/time":
                var aveTime = AveTime(a);
                _aveTimes.RemoveAll(f => f.Settings.Id == a[0]);
                _aveTimes.Add((aveTime, _fixSerial + 1));
                arguments = [];
                break;
            case "rattle":
                throw new FormatException("fix style 'rattle' is not supported (nve, nvt, langevin, shake, ave/time)");
            case "nvt":
                if (a.Length != 7 || a[3] != "temp")
                {
                    throw new FormatException("expected fix ID all nvt temp T_START T_STOP DAMP");
                }
                arguments = a.Skip(4).Select(w => ScriptNumbers.Double(w, "nvt argument")).ToArray();
                if (!(arguments[0] > 0) || !(arguments[1] > 0) || !(arguments[2] > 0))
                {
                    throw new FormatException("temperatures and damp must be > 0");
                }
                break;
            default:
                throw new FormatException($"fix style '{a[2]}' is not supported (nve, nvt, langevin, shake, ave/time)");
        }
        var existing = _fixes.FindIndex(f => f.Id == a[0]);
        if (existing >= 0)
        {
            _fixes[existing] = (a[0], a[2], arguments, ++_fixSerial);
        }
        else
        {
            _fixes.Add((a[0], a[2], arguments, ++_fixSerial));
        }
    }

    private void ThermoStyle(string[] a)
    {
        if (a.Length == 1 && a[0] == "one")
        {
            _thermo = _thermo with { Keywords = ThermoSettings.One, FloatFormat = "%12.8g", IntFormat = "%8d" };
            return;
        }
        if (a.Length < 2 || a[0] != "custom")
        {
            throw new FormatException("expected one, or custom KEYWORDS (multi and yaml are not supported)");
        }
        foreach (var k in a.Skip(1))
        {
            if (!ThermoSettings.Columns.ContainsKey(k))
            {
                throw new FormatException($"thermo keyword '{k}' is not supported ({string.Join(", ", ThermoSettings.Columns.Keys)})");
            }
        }
        // A new style resets thermo_modify's formats, as LAMMPS does.
        _thermo = _thermo with { Keywords = a.Skip(1).ToArray(), FloatFormat = "%12.8g", IntFormat = "%8d" };
    }

    private void ThermoModify(string[] a)
    {
        for (var i = 0; i < a.Length;)
        {
            switch (a[i])
            {
                case "norm":
                    Need(a, i, 1);
                    _thermo = _thermo with { Normalize = ScriptNumbers.YesNo(a[i + 1], "norm") };
                    i += 2;
                    break;
                case "flush":
                case "lost":
                case "lost/bond":
                    Need(a, i, 1);
                    i += 2;
                    break;
                case "format":
                    Need(a, i, 2);
                    var format = a[i + 2];
                    var parsed = CFormat.Parse(format);
                    if (a[i + 1] == "float")
                    {
                        _thermo = _thermo with { FloatFormat = parsed.IsInteger ? throw new FormatException("format float needs %g, %e or %f") : format };
                    }
                    else if (a[i + 1] == "int")
                    {
                        _thermo = _thermo with { IntFormat = parsed.IsInteger ? format : throw new FormatException("format int needs %d") };
                    }
                    else
                    {
                        throw new FormatException($"format '{a[i + 1]}' is not supported (float, int)");
                    }
                    i += 3;
                    break;
                default:
                    throw new FormatException($"thermo_modify keyword '{a[i]}' is not supported (norm, format float|int, flush, lost)");
            }
        }
        if (a.Length == 0)
        {
            throw new FormatException("expected KEYWORD VALUE");
        }
    }

    private static void Need(string[] a, int i, int values)
    {
        if (i + values >= a.Length)
        {
            throw new FormatException($"'{a[i]}' needs {values} value(s)");
        }
    }

    private void Dump(string[] a)
    {
        if (a.Length < 5)
        {
            throw new FormatException("expected ID GROUP STYLE N FILE [columns]");
        }
        Group(a[1]);
        var every = ScriptNumbers.Int(a[3], "dump interval");
        if (every < 1)
        {
            throw new FormatException("dump interval must be >= 1");
        }
        if (_dumps.ContainsKey(a[0]))
        {
            throw new FormatException($"dump id '{a[0]}' is in use");
        }
        if (a[2] == "atom" && a.Length == 5)
        {
            _dumps[a[0]] = new ScriptDump(a[0], every, a[4], "atom");
        }
        else if (a[2] == "custom" && a.Skip(5).SequenceEqual(["id", "type", "x", "y", "z"]))
        {
            _dumps[a[0]] = new ScriptDump(a[0], every, a[4], "custom");
        }
        else
        {
            throw new FormatException("supported dumps: 'atom N FILE' and 'custom N FILE id type x y z'");
        }
        if (_dumps.Count > 1)
        {
            throw new FormatException("one dump at a time is supported");
        }
    }

    private void DumpModify(string[] a)
    {
        if (a.Length < 3 || !_dumps.ContainsKey(a[0]))
        {
            throw new FormatException(a.Length < 1 ? "expected ID KEYWORD VALUE" : $"no dump with id '{a[0]}'");
        }
        // Frames are written sorted by id already; other keywords change what LAMMPS writes and are refused.
        if (a.Length != 3 || a[1] != "sort" || a[2] != "id")
        {
            throw new FormatException("only 'dump_modify ID sort id' is supported");
        }
    }

    private void WriteData(string[] a)
    {
        var system = RequireBox();
        if (a.Length < 1)
        {
            throw new FormatException("expected FILE [nocoeff]");
        }
        var nocoeff = false;
        foreach (var k in a.Skip(1))
        {
            nocoeff = k == "nocoeff" ? true : throw new FormatException($"write_data keyword '{k}' is not supported (nocoeff)");
        }
        RequireMasses(system);
        var output = WithPairCoefficients(system, nocoeff);
        if (_dry)
        {
            return;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(a[0]));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new FormatException($"cannot write '{a[0]}': no directory {directory}");
        }
        LammpsDataWriter.Write(a[0], output);
    }

    private void WriteRestart(string[] a)
    {
        var system = RequireBox();
        Count(a, 1);
        RequireMasses(system);
        var restart = new MdRestartFile(_step, _units.Name, _atomStyle, _timestep ?? _units.DefaultTimestep, _pairStyle, _pairArguments,
            _pairCoefficients.ToArray(), _mixing, _shift, _kspace, _kspaceAccuracy, _skin, _neighborEvery, system)
        {
            BondStyle = _bondStyle,
            AngleStyle = _angleStyle,
            SpecialLj = system.Topology is { IsEmpty: false } ? _specialLj : null,
            SpecialCoul = system.Topology is { IsEmpty: false } ? _specialCoul : null,
        };
        var text = restart.ToText();
        if (_dry)
        {
            return;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(a[0]));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new FormatException($"cannot write '{a[0]}': no directory {directory}");
        }
        File.WriteAllText(a[0], text);
    }

    private void ReadRestart(string[] a)
    {
        Count(a, 1);
        RequireNoBox("read_restart");
        var path = Resolve(a[0]);
        var restart = MdRestartFile.Parse(File.ReadAllText(path), a[0]);
        _units = UnitSystem.Parse(restart.Units);
        _atomStyle = restart.Style;
        _step = _resetStep = restart.Step;
        _timestep = restart.Timestep;
        _pairStyle = restart.PairStyle;
        _pairArguments = restart.PairArguments;
        _pairCoefficients.Clear();
        _pairCoefficients.AddRange(restart.PairCoefficients);
        _mixing = restart.Mixing;
        _shift = restart.Shift;
        _kspace = restart.KSpace;
        _kspaceAccuracy = restart.KSpaceAccuracy;
        _skin = restart.Skin;
        _neighborEvery = restart.NeighborEvery;
        _bondStyle = restart.BondStyle;
        _angleStyle = restart.AngleStyle;
        _specialLj = restart.SpecialLj ?? [0.0, 0.0, 0.0];
        _specialCoul = restart.SpecialCoul ?? [0.0, 0.0, 0.0];
        _system = restart.System;
        _masses = restart.System.Masses;
        Echo(string.Create(CultureInfo.InvariantCulture, $"  restart file format {MdRestartFile.FormatVersion}, step {restart.Step}, {restart.System.AtomCount} atoms"));
    }

    /// <summary>The system with LAMMPS' Pair Coeffs section for lj/cut styles (<c>I epsilon sigma</c> per type) unless
    /// <paramref name="nocoeff"/> or a type lacks its I I coefficients.</summary>
    private MdSystem WithPairCoefficients(MdSystem system, bool nocoeff)
    {
        PairCoefficientLines? lines = null;
        if (!nocoeff && _pairStyle is not null)
        {
            var self = new string?[system.TypeCount];
            foreach (var line in _pairCoefficients)
            {
                var f = line.Split(' ');
                if (f[0] == f[1])
                {
                    self[int.Parse(f[0], CultureInfo.InvariantCulture) - 1] = $"{f[0]} {f[2]} {f[3]}";
                }
            }
            if (self.All(s => s is not null))
            {
                lines = new PairCoefficientLines(_pairStyle, self!);
            }
        }
        return new MdSystem(system.Box, system.TypeCount, system.Ids, system.Types, system.Positions, system.Velocities,
            system.Images, system.Masses, system.Charges, system.MoleculeIds, system.Style)
        { Title = "LAMMPS data file via write_data, Dataflow md", PairCoefficients = lines };
    }

    private ScriptRun Run(string[] a)
    {
        var system = RequireBox();
        if (a.Length < 1)
        {
            throw new FormatException("expected N");
        }
        var steps = ScriptNumbers.Long(a[0], "steps");
        if (steps < 0)
        {
            throw new FormatException("steps must be >= 0");
        }
        for (var i = 1; i < a.Length; i += 2)
        {
            if (a[i] is not ("pre" or "post") || i + 1 >= a.Length)
            {
                throw new FormatException($"run keyword '{a[i]}' is not supported (pre, post)");
            }
            ScriptNumbers.YesNo(a[i + 1], a[i]);
        }
        RequireMasses(system);
        if (_pairStyle is null)
        {
            throw new FormatException("no pair style defined");
        }
        if (_pairStyle == "lj/cut/coul/long" && _kspace == "none")
        {
            throw new FormatException("pair style lj/cut/coul/long needs a kspace style");
        }
        if (_pairStyle == "lj/cut" && _kspace != "none")
        {
            throw new FormatException($"kspace style {_kspace} needs a pair style with a long-range Coulomb part (lj/cut/coul/long)");
        }
        var integrators = _fixes.Where(f => f.Style is "nve" or "nvt").ToArray();
        var langevin = _fixes.Where(f => f.Style == "langevin").ToArray();
        if (integrators.Length != 1 && steps > 0)
        {
            throw new FormatException(integrators.Length == 0
                ? "no fix integrates the atoms (fix nve or nvt)"
                : "more than one fix integrates the atoms");
        }
        if (langevin.Length > 1 || (langevin.Length == 1 && integrators.Length == 1 && integrators[0].Style != "nve"))
        {
            throw new FormatException("fix langevin needs fix nve, and only one");
        }
        if (system.Topology is { } topology)
        {
            if (topology.Bonds.Length > 0 && _bondStyle is null)
            {
                throw new FormatException($"{topology.Bonds.Length} bonds but no bond_style (harmonic)");
            }
            if (topology.Angles.Length > 0 && _angleStyle is null)
            {
                throw new FormatException($"{topology.Angles.Length} angles but no angle_style (harmonic)");
            }
            MissingCoefficient(topology.BondCoefficients, topology.BondTypeCount, "bond");
            MissingCoefficient(topology.AngleCoefficients, topology.AngleTypeCount, "angle");
        }
        var integrator = integrators.Length == 1 ? integrators[0].Style : "nve";
        return new ScriptRun(_current, system.Clone(), _units.Name, _pairStyle, _pairArguments, _pairCoefficients.ToArray(), _mixing,
            _shift, _kspace, _kspaceAccuracy, _gEwald, _timestep ?? _units.DefaultTimestep, _skin ?? _units.DefaultSkinDistance,
            _neighborEvery, steps, _step, _thermo, integrator, langevin.Length == 1 ? langevin[0].Arguments : null,
            integrator == "nvt" ? integrators[0].Arguments : null, _dumps.Values.FirstOrDefault())
        {
            IntegratorFix = integrators.Length == 1 ? integrators[0].Serial : 0,
            SpecialLj = _specialLj,
            SpecialCoul = _specialCoul,
            Shake = _shakes.Values.Select(s => s.Settings.ToArguments()).FirstOrDefault(),
            AveTimes = _aveTimes.ToArray(),
            RdfCutoff = _pairArguments.Max(),
        };
    }

    // compute ID group rdf Nbin itype jtype ... [cutoff Rc] (compute_rdf.cpp); other compute styles are refused.
    private void Compute(string[] a)
    {
        if (a.Length < 3)
        {
            throw new FormatException("expected ID GROUP STYLE ARGS");
        }
        Group(a[1]);
        if (a[2] != "rdf")
        {
            throw new FormatException($"compute style '{a[2]}' is not supported (rdf)");
        }
        if (a.Length < 4)
        {
            throw new FormatException("expected compute ID all rdf Nbin itype jtype ...");
        }
        var bins = ScriptNumbers.Int(a[3], "Nbin");
        if (bins < 1)
        {
            throw new FormatException("Nbin must be >= 1");
        }
        var pairs = new List<(int, int)>();
        double? cutoff = null;
        var i = 4;
        for (; i < a.Length && a[i] != "cutoff"; i += 2)
        {
            if (i + 1 >= a.Length || a[i + 1] == "cutoff")
            {
                throw new FormatException("atom types come in pairs (itype jtype)");
            }
            var types = (ScriptNumbers.Int(a[i], "itype"), ScriptNumbers.Int(a[i + 1], "jtype"));
            var count = RequireBox().TypeCount;
            if (types.Item1 < 1 || types.Item2 < 1 || types.Item1 > count || types.Item2 > count)
            {
                throw new FormatException($"atom types must be within 1..{count}");
            }
            pairs.Add(types);
        }
        if (i < a.Length)
        {
            if (i + 2 != a.Length)
            {
                throw new FormatException("expected cutoff Rc last");
            }
            cutoff = ScriptNumbers.Double(a[i + 1], "cutoff");
            if (!(cutoff > 0))
            {
                throw new FormatException("cutoff must be > 0");
            }
        }
        if (pairs.Count == 0)
        {
            throw new FormatException("give the type pairs (itype jtype ...)");
        }
        _computes[a[0]] = new RdfCompute(a[0], bins, pairs.ToArray(), cutoff);
    }

    // fix ID group ave/time Nevery Nrepeat Nfreq c_ID[*] file F mode vector [format F] [ave one] (fix_ave_time.cpp).
    private AveTimeSettings AveTime(string[] a)
    {
        if (a.Length < 7)
        {
            throw new FormatException("expected fix ID all ave/time Nevery Nrepeat Nfreq c_ID[*] file F mode vector");
        }
        var every = ScriptNumbers.Int(a[3], "Nevery");
        var repeat = ScriptNumbers.Int(a[4], "Nrepeat");
        var frequency = ScriptNumbers.Int(a[5], "Nfreq");
        if (every <= 0 || repeat <= 0 || frequency <= 0 || frequency % every != 0 || (long)(repeat - 1) * every >= frequency)
        {
            throw new FormatException("Nevery, Nrepeat, Nfreq must be > 0, Nfreq a multiple of Nevery and (Nrepeat-1)*Nevery < Nfreq");
        }
        var value = a[6];
        if (!value.StartsWith("c_", StringComparison.Ordinal) || !value.EndsWith("[*]", StringComparison.Ordinal))
        {
            throw new FormatException($"value '{value}' is not supported (c_ID[*] of a compute rdf)");
        }
        var id = value[2..^3];
        if (!_computes.TryGetValue(id, out var compute))
        {
            throw new FormatException($"no compute with id '{id}'");
        }
        string? file = null;
        string? mode = null;
        var format = " %g";
        for (var i = 7; i < a.Length; i += 2)
        {
            if (i + 1 >= a.Length)
            {
                throw new FormatException($"keyword '{a[i]}' needs a value");
            }
            switch (a[i])
            {
                case "file":
                    file = a[i + 1];
                    break;
                case "mode":
                    mode = a[i + 1];
                    break;
                case "format":
                    format = a[i + 1];
                    CFormat.Parse(format);
                    break;
                case "ave":
                    if (a[i + 1] != "one")
                    {
                        throw new FormatException($"ave {a[i + 1]} is not supported (one)");
                    }
                    break;
                default:
                    throw new FormatException($"fix ave/time keyword '{a[i]}' is not supported (file, mode, format, ave)");
            }
        }
        if (mode != "vector")
        {
            throw new FormatException("a compute rdf array needs mode vector");
        }
        if (file is null)
        {
            throw new FormatException("give the output file (file F)");
        }
        return new AveTimeSettings(a[0], every, repeat, frequency, compute, file, format);
    }

    private static void MissingCoefficient(string[]? lines, int types, string what)
    {
        for (var t = 0; t < types; t++)
        {
            if (lines is null || t >= lines.Length || lines[t] is null)
            {
                throw new FormatException($"{what} type {t + 1} has no coefficients ({what}_coeff or the data file's {(what == "bond" ? "Bond" : "Angle")} Coeffs)");
            }
        }
    }
}
