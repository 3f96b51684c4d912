using System.Globalization;
using Dataflow.Kernels.Input;

namespace Dataflow.Kernels.Md;

/// <summary>Reads LAMMPS data files (the format of <c>read_data</c> and <c>write_data</c>) into an
/// <see cref="MdSystem"/>.</summary>
/// <remarks>
/// <para>Format: docs.lammps.org/read_data.html. The first line is a title. Header lines follow (<c>N atoms</c>,
/// <c>N atom types</c>, <c>xlo xhi</c>, <c>ylo yhi</c>, <c>zlo zhi</c>, ...) up to the first section keyword; each
/// section is a keyword line, then as many data lines as the header implies. Blank lines are skipped and
/// <c>#</c> starts a comment anywhere.</para>
/// <para>Supported: orthogonal periodic boxes; the <c>Masses</c>, <c>Atoms</c>, <c>Velocities</c> and
/// <c>Pair Coeffs</c> sections (the last kept as text); atom styles atomic, charge and full, named by the
/// <c>Atoms # style</c> comment or, when the file has none, by the caller; optional image flags; <c>Bonds</c>,
/// <c>Angles</c>, <c>Bond Coeffs</c> and <c>Angle Coeffs</c> (<see cref="MdSystem.Topology"/>, coefficients kept as
/// text).</para>
/// <para>Refused with a <see cref="LammpsDataFormatException"/> naming file and line: a tilt line
/// (<c>xy xz yz</c>, triclinic box); nonzero counts of dihedrals or impropers and their sections, since no
/// dihedral or improper style exists here to use them; ellipsoids, lines, triangles and bodies; unknown
/// headers or sections. Harmless bonded bookkeeping is accepted: <c>N bond types</c> and the other type counts,
/// <c>extra ... per atom</c> lines, and the <c>Dihedral Coeffs</c> and <c>Improper Coeffs</c> sections (and the class2
/// cross-term coefficient sections), whose lines are skipped because nothing can use them.</para>
/// <para>Files ending in gzip data (by their magic bytes, whatever the name) are decompressed transparently.</para>
/// </remarks>
public static class LammpsDataReader
{
    /// <summary>Least characters of one <c>Atoms</c> line of each style, its newline included: one-digit fields and
    /// single spaces (<c>1 1 0 0 0</c> for atomic).</summary>
    private const int MinAtomLineCharsAtomic = 10;

    /// <summary>Bytes the reader allocates per declared atom: ids, types, positions, velocities, image flags, charges,
    /// molecule ids and the id index.</summary>
    public const int BytesPerAtom = 128;

    /// <summary>Bytes the pair styles allocate per pair of atom types (coefficient and force tables).</summary>
    public const int BytesPerTypePair = 128;

    /// <summary>Most atom types: the pair styles index their tables by type * type in an <c>int</c>.</summary>
    public const int MaxAtomTypes = 46340;

    /// <summary>Reads the data file at <paramref name="path"/>, gzip-compressed or not, within
    /// <paramref name="limits"/> (by default <see cref="InputLimits.Current"/>).</summary>
    /// <param name="path">The file; errors name it as given here.</param>
    /// <param name="style">Atom style to use when the <c>Atoms</c> line has no style comment; when both are given
    /// they must agree.</param>
    /// <param name="limits">Input size and memory limits.</param>
    /// <exception cref="LammpsDataFormatException">The file is malformed, uses an unsupported feature, or declares
    /// more than it holds or the limits allow.</exception>
    public static MdSystem Read(string path, AtomStyle? style = null, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= InputLimits.Current;
        BoundedInputStream stream;
        try
        {
            stream = BoundedInput.Open(path, limits, decompress: true);
        }
        catch (InputLimitException e)
        {
            throw new LammpsDataFormatException(path, 1, e.Problem);
        }
        using (stream)
        {
            using var reader = new StreamReader(stream);
            return new Parser(reader, path, style, limits, stream.MaxLength).Parse();
        }
    }

    /// <summary>Reads a data file from <paramref name="reader"/>; at most the input limit of
    /// <paramref name="limits"/> (by default <see cref="InputLimits.Current"/>) is read.</summary>
    /// <param name="reader">The text, from its title line on.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <param name="style">Atom style to use when the <c>Atoms</c> line has no style comment.</param>
    /// <param name="limits">Input size and memory limits.</param>
    /// <exception cref="LammpsDataFormatException">The text is malformed, uses an unsupported feature, or declares
    /// more than it holds or the limits allow.</exception>
    public static MdSystem Read(TextReader reader, string fileName, AtomStyle? style = null, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(fileName);
        limits ??= InputLimits.Current;
        var bound = reader is StreamReader { BaseStream: BoundedInputStream bounded } ? bounded.MaxLength : limits.MaxInputBytes;
        return new Parser(reader, fileName, style, limits, bound).Parse();
    }

    /// <summary>Reads a data file held in <paramref name="text"/> (e.g. shipped in a job), within the memory budget of
    /// <paramref name="limits"/> (by default <see cref="InputLimits.Current"/>).</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <param name="style">Atom style to use when the <c>Atoms</c> line has no style comment.</param>
    /// <param name="limits">Memory limits (the text is already in memory, so its length is not limited here).</param>
    /// <exception cref="LammpsDataFormatException">The text is malformed, uses an unsupported feature, or declares
    /// more than it holds or the limits allow.</exception>
    public static MdSystem ReadText(string text, string fileName, AtomStyle? style = null, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        using var reader = new StringReader(text);
        return new Parser(reader, fileName, style, limits ?? InputLimits.Current, text.Length).Parse();
    }

    /// <summary>The LAMMPS name of <paramref name="style"/>.</summary>
    public static string StyleName(AtomStyle style) => style switch
    {
        AtomStyle.Atomic => "atomic",
        AtomStyle.Charge => "charge",
        AtomStyle.Full => "full",
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    private static AtomStyle? ParseStyle(string name) => name switch
    {
        "atomic" => AtomStyle.Atomic,
        "charge" => AtomStyle.Charge,
        "full" => AtomStyle.Full,
        _ => null,
    };

    // lengthBound: the most characters the text can hold (its length, the file's, or the input limit); declared
    // counts are checked against what is left of it before anything is allocated for them.
    private sealed class Parser(TextReader reader, string fileName, AtomStyle? requestedStyle, InputLimits limits, long lengthBound)
    {
        // Sections that only hold coefficients of bonded types; skipped (see the class remarks), keyed to the
        // header line that counts their lines.
        private static readonly Dictionary<string, string> s_bondedCoefficientSections = new(StringComparer.Ordinal)
        {
            ["Bond Coeffs"] = "bond types",
            ["Angle Coeffs"] = "angle types",
            ["BondBond Coeffs"] = "angle types",
            ["BondAngle Coeffs"] = "angle types",
            ["Dihedral Coeffs"] = "dihedral types",
            ["MiddleBondTorsion Coeffs"] = "dihedral types",
            ["EndBondTorsion Coeffs"] = "dihedral types",
            ["AngleTorsion Coeffs"] = "dihedral types",
            ["AngleAngleTorsion Coeffs"] = "dihedral types",
            ["BondBond13 Coeffs"] = "dihedral types",
            ["Improper Coeffs"] = "improper types",
            ["AngleAngle Coeffs"] = "improper types",
        };

        private static readonly HashSet<string> s_bondedSections = new(StringComparer.Ordinal)
        {
            "Dihedrals", "Impropers",
        };

        private static readonly HashSet<string> s_bodySections = new(StringComparer.Ordinal)
        {
            "Ellipsoids", "Lines", "Triangles", "Bodies",
        };

        private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _countLines = new(StringComparer.Ordinal);
        private readonly HashSet<string> _sectionsSeen = new(StringComparer.Ordinal);
        private int _lineNumber;
        private long _charsRead;

        private string _title = "";
        private double[]? _x;
        private double[]? _y;
        private double[]? _z;
        private int _atomCount;
        private int _typeCount;
        private double[] _masses = [];
        private AtomStyle _style;
        private int[]? _ids;
        private int[]? _types;
        private double[]? _positions;
        private double[]? _velocities;
        private int[]? _images;
        private double[]? _charges;
        private int[]? _molecules;
        private Dictionary<int, int>? _indexOfId;
        private PairCoefficientLines? _pairCoefficients;
        private (int, int, int)[]? _bonds;
        private (int, int, int, int)[]? _angles;
        private string[]? _bondCoefficients;
        private string[]? _angleCoefficients;

        public MdSystem Parse()
        {
            var title = ReadRawLine() ?? throw Error(1, "empty file: expected a title line, then header lines");
            _title = title.Trim();
            var firstSection = ReadHeader();
            CheckDeclaredSizes();
            _masses = Enumerable.Repeat(double.NaN, Math.Max(_typeCount, 1)).ToArray();
            var section = firstSection;
            while (section is { } s)
            {
                ReadSection(s.Content, s.Comment, s.Line);
                section = NextSectionLine();
            }
            if (_atomCount > 0 && _ids is null)
            {
                throw Error(_lineNumber, $"the header declares {_atomCount} atoms but the file has no Atoms section");
            }
            var n = _atomCount;
            var style = _ids is null ? requestedStyle ?? AtomStyle.Atomic : _style;
            return new MdSystem(
                new OrthogonalBox(_x![0], _x[1], _y![0], _y[1], _z![0], _z[1]),
                Math.Max(_typeCount, 1),
                _ids ?? [],
                _types ?? [],
                _positions ?? [],
                _velocities ?? new double[3 * n],
                _images ?? new int[3 * n],
                _masses,
                _charges ?? (style == AtomStyle.Atomic ? null : new double[n]),
                _molecules ?? (style == AtomStyle.Full ? new int[n] : null),
                style)
            {
                Title = _title,
                PairCoefficients = _pairCoefficients,
                Topology = _bonds is null && _angles is null
                    ? null
                    : new MolecularTopology((int)Math.Min(_counts.GetValueOrDefault("bond types"), int.MaxValue),
                        (int)Math.Min(_counts.GetValueOrDefault("angle types"), int.MaxValue),
                        _bonds ?? [], _angles ?? [], _bondCoefficients, _angleCoefficients),
            };
        }

        // Header: everything up to the first line that starts with a letter. Returns that section line.
        private (string Content, string? Comment, int Line)? ReadHeader()
        {
            (string Content, string? Comment, int Line)? firstSection = null;
            while (NextLine() is { } line)
            {
                if (!StartsWithNumber(line.Content))
                {
                    firstSection = line;
                    break;
                }
                ParseHeaderLine(line.Content, line.Line);
            }
            var endLine = firstSection?.Line ?? _lineNumber;
            if (_x is null || _y is null || _z is null)
            {
                var missing = _x is null ? "xlo xhi" : _y is null ? "ylo yhi" : "zlo zhi";
                throw Error(endLine, $"the header has no '{missing}' line; an orthogonal box needs all three bounds lines");
            }
            if (_atomCount > 0 && _typeCount < 1)
            {
                throw Error(endLine, "the header has no 'atom types' line (or it is 0) but declares atoms");
            }
            return firstSection;
        }

        private void ParseHeaderLine(string content, int line)
        {
            var tokens = Split(content);
            if (tokens.Length == 4 && tokens[2] == "xlo" && tokens[3] == "xhi")
            {
                _x = Bounds(tokens, line, "xlo xhi");
                return;
            }
            if (tokens.Length == 4 && tokens[2] == "ylo" && tokens[3] == "yhi")
            {
                _y = Bounds(tokens, line, "ylo yhi");
                return;
            }
            if (tokens.Length == 4 && tokens[2] == "zlo" && tokens[3] == "zhi")
            {
                _z = Bounds(tokens, line, "zlo zhi");
                return;
            }
            if (tokens.Length >= 4 && tokens[^3] == "xy" && tokens[^2] == "xz" && tokens[^1] == "yz")
            {
                throw Error(line, "'xy xz yz' tilt factors make a triclinic box, which is not supported; only orthogonal boxes are");
            }
            if (tokens.Length < 2)
            {
                throw Error(line, $"unrecognised header line '{Shorten(content)}': expected 'N keyword' or 'lo hi xlo xhi'");
            }
            var keyword = string.Join(' ', tokens.Skip(1));
            var count = ParseCount(tokens[0], line, keyword);
            switch (keyword)
            {
                case "atoms":
                    _atomCount = checked((int)count);
                    break;
                case "atom types":
                    _typeCount = checked((int)count);
                    break;
                case "bonds" or "angles":
                    _counts[keyword] = count;
                    break;
                case "dihedrals" or "impropers":
                    if (count > 0)
                    {
                        throw Error(line, $"'{count} {keyword}': dihedrals and impropers are not supported; only files without "
                            + "them can be read");
                    }
                    break;
                case "bond types" or "angle types" or "dihedral types" or "improper types":
                    break;
                case "extra bond per atom" or "extra angle per atom" or "extra dihedral per atom"
                    or "extra improper per atom" or "extra special per atom":
                    break;
                case "ellipsoids" or "lines" or "triangles" or "bodies":
                    if (count > 0)
                    {
                        throw Error(line, $"'{count} {keyword}': extended particles are not supported");
                    }
                    break;
                default:
                    throw Error(line, $"unrecognised header keyword '{Shorten(keyword)}'");
            }
            _counts[keyword] = count;
            _countLines[keyword] = line;
        }

        // The header's counts against what the rest of the file can hold and against the memory budget, before any
        // array is sized by them.
        private void CheckDeclaredSizes()
        {
            if (_atomCount > 0)
            {
                var line = _countLines["atoms"];
                var remaining = Math.Max(lengthBound - _charsRead, 0);
                var most = remaining / MinAtomLineCharsAtomic;
                if (_atomCount > most)
                {
                    throw Error(line, $"declares {_atomCount} atoms but the file holds at most {most} atom lines "
                        + $"({remaining} bytes after the header, at least {MinAtomLineCharsAtomic} per atom line)");
                }
                if (limits.MemoryProblem((double)_atomCount * BytesPerAtom, $"'{_atomCount} atoms'") is { } problem)
                {
                    throw Error(line, problem);
                }
            }
            if (_typeCount > 0)
            {
                var line = _countLines["atom types"];
                if (_typeCount > MaxAtomTypes)
                {
                    throw Error(line, $"declares {_typeCount} atom types; at most {MaxAtomTypes} are supported");
                }
                if (limits.MemoryProblem((double)_typeCount * _typeCount * BytesPerTypePair,
                    $"'{_typeCount} atom types' (tables per pair of types)") is { } problem)
                {
                    throw Error(line, problem);
                }
            }
        }

        private double[] Bounds(string[] tokens, int line, string what)
        {
            var lo = ParseDouble(tokens[0], line, what);
            var hi = ParseDouble(tokens[1], line, what);
            if (!(hi > lo))
            {
                throw Error(line, $"'{what}' bounds {tokens[0]} {tokens[1]}: the upper bound must exceed the lower");
            }
            return [lo, hi];
        }

        private void ReadSection(string keyword, string? comment, int line)
        {
            if (!_sectionsSeen.Add(keyword))
            {
                throw Error(line, $"a second '{keyword}' section; each section may appear once");
            }
            switch (keyword)
            {
                case "Atoms":
                    ReadAtoms(comment, line);
                    break;
                case "Velocities":
                    ReadVelocities(line);
                    break;
                case "Masses":
                    ReadMasses(line);
                    break;
                case "Pair Coeffs":
                    _pairCoefficients = new PairCoefficientLines(
                        string.IsNullOrEmpty(comment) ? null : comment,
                        ReadLines(keyword, _typeCount, line).Select(l => l.Content).ToArray());
                    break;
                case "Bond Coeffs":
                    _bondCoefficients = ReadCoefficients(keyword, "bond types", line);
                    break;
                case "Angle Coeffs":
                    _angleCoefficients = ReadCoefficients(keyword, "angle types", line);
                    break;
                case "Bonds":
                    _bonds = ReadBonded(keyword, "bonds", "bond types", 2, line).Select(b => (b[0], b[1], b[2])).ToArray();
                    break;
                case "Angles":
                    _angles = ReadBonded(keyword, "angles", "angle types", 3, line).Select(a => (a[0], a[1], a[2], a[3])).ToArray();
                    break;
                case "PairIJ Coeffs":
                    SkipLines(keyword, (long)_typeCount * (_typeCount + 1) / 2, line);
                    break;
                default:
                    if (s_bondedCoefficientSections.TryGetValue(keyword, out var countKeyword))
                    {
                        SkipLines(keyword, _counts.GetValueOrDefault(countKeyword), line);
                        break;
                    }
                    if (s_bondedSections.Contains(keyword))
                    {
                        throw Error(line, $"'{keyword}' section: dihedrals and impropers are not supported");
                    }
                    if (s_bodySections.Contains(keyword))
                    {
                        throw Error(line, $"'{keyword}' section: extended particles are not supported");
                    }
                    throw Error(line, $"unknown or unsupported section '{Shorten(keyword)}'; expected Atoms, Velocities, Masses or Pair Coeffs");
            }
        }

        // Bond Coeffs / Angle Coeffs: one line per type, any order, kept as the text after the type (the style's
        // parameters, read by the style).
        private string[] ReadCoefficients(string keyword, string countKeyword, int line)
        {
            var n = _counts.GetValueOrDefault(countKeyword);
            // Filled as lines are read, so that a huge declared count costs nothing before the lines are there.
            var lines = new Dictionary<long, string>();
            foreach (var (content, at) in ReadLines(keyword, n, line))
            {
                var t = Split(content);
                var type = ParseInt(t[0], at, $"{keyword} type");
                if (type < 1 || type > n)
                {
                    throw Error(at, $"{keyword}: type {type} is outside 1..{n}");
                }
                if (!lines.TryAdd(type, string.Join(' ', t.Skip(1))))
                {
                    throw Error(at, $"{keyword}: type {type} appears twice");
                }
            }
            return lines.OrderBy(l => l.Key).Select(l => l.Value).ToArray();
        }

        // Bonds / Angles: id type atom1 atom2 [atom3]; every atom id must be in the Atoms section read before.
        private List<int[]> ReadBonded(string keyword, string countKeyword, string typesKeyword, int atoms, int line)
        {
            if (_indexOfId is null)
            {
                throw Error(line, $"the '{keyword}' section comes before the Atoms section");
            }
            var types = _counts.GetValueOrDefault(typesKeyword);
            var result = new List<int[]>();
            foreach (var (content, at) in ReadLines(keyword, _counts.GetValueOrDefault(countKeyword), line))
            {
                var t = Split(content);
                if (t.Length != 2 + atoms)
                {
                    throw Error(at, $"{keyword}: expected {2 + atoms} columns (id type {string.Join(' ', Enumerable.Range(1, atoms).Select(k => $"atom{k}"))}), found {t.Length}");
                }
                var entry = new int[1 + atoms];
                entry[0] = ParseInt(t[1], at, $"{keyword} type");
                if (entry[0] < 1 || entry[0] > types)
                {
                    throw Error(at, $"{keyword}: type {entry[0]} is outside 1..{types}");
                }
                for (var k = 0; k < atoms; k++)
                {
                    entry[1 + k] = ParseInt(t[2 + k], at, "atom id");
                    if (!_indexOfId.ContainsKey(entry[1 + k]))
                    {
                        throw Error(at, $"{keyword}: atom id {entry[1 + k]} is not in the Atoms section");
                    }
                }
                result.Add(entry);
            }
            return result;
        }

        private void ReadAtoms(string? comment, int line)
        {
            AtomStyle style;
            if (!string.IsNullOrEmpty(comment))
            {
                var named = Split(comment)[0];
                style = ParseStyle(named)
                    ?? throw Error(line, $"atom style '{Shorten(named)}' is not supported; expected atomic, charge or full");
                if (requestedStyle is { } requested && requested != style)
                {
                    throw Error(line, $"the Atoms section is of style '{named}' but style '{StyleName(requested)}' was requested");
                }
            }
            else
            {
                style = requestedStyle
                    ?? throw Error(line, "the Atoms line names no style ('Atoms # atomic|charge|full') and none was given to the reader");
            }
            _style = style;
            var n = _atomCount;
            // Least characters of an atom line of this style: one-digit columns and single spaces.
            var leastChars = 2 * (style switch { AtomStyle.Atomic => 5, AtomStyle.Charge => 6, _ => 7 });
            var remaining = Math.Max(lengthBound - _charsRead, 0);
            if (n > remaining / leastChars)
            {
                throw Error(line, $"the Atoms section needs {n} lines but the file holds at most {remaining / leastChars} "
                    + $"({remaining} bytes left, at least {leastChars} per {StyleName(style)} atom line)");
            }
            _ids = new int[n];
            _types = new int[n];
            _positions = new double[3 * n];
            _images = new int[3 * n];
            _charges = style == AtomStyle.Atomic ? null : new double[n];
            _molecules = style == AtomStyle.Full ? new int[n] : null;
            _indexOfId = new Dictionary<int, int>(n);
            // Columns before x y z: id type | id type q | id mol type q.
            var (leading, columns) = style switch
            {
                AtomStyle.Atomic => (2, "id type x y z [ix iy iz]"),
                AtomStyle.Charge => (3, "id type q x y z [ix iy iz]"),
                _ => (4, "id mol type q x y z [ix iy iz]"),
            };
            var styleName = StyleName(style);
            var i = 0;
            foreach (var (content, at) in ReadLines("Atoms", n, line))
            {
                var t = Split(content);
                if (t.Length != leading + 3 && t.Length != leading + 6)
                {
                    throw Error(at, $"Atoms ({styleName}): expected {leading + 3} or {leading + 6} columns ({columns}), found {t.Length}");
                }
                var id = ParseInt(t[0], at, "atom id");
                if (id < 1)
                {
                    throw Error(at, $"atom id {id}: ids must be positive");
                }
                if (!_indexOfId.TryAdd(id, i))
                {
                    throw Error(at, $"atom id {id} appears twice in the Atoms section");
                }
                var typeColumn = style == AtomStyle.Full ? 2 : 1;
                var type = ParseInt(t[typeColumn], at, "atom type");
                if (type < 1 || type > _typeCount)
                {
                    throw Error(at, $"atom {id} has type {type}, outside 1..{_typeCount} ('{_typeCount} atom types')");
                }
                _ids[i] = id;
                _types[i] = type;
                if (_molecules is not null)
                {
                    _molecules[i] = ParseInt(t[1], at, "molecule id");
                }
                if (_charges is not null)
                {
                    _charges[i] = ParseDouble(t[leading - 1], at, "charge");
                }
                for (var d = 0; d < 3; d++)
                {
                    _positions[3 * i + d] = ParseDouble(t[leading + d], at, "xyz"[d] + " coordinate");
                    if (t.Length == leading + 6)
                    {
                        _images[3 * i + d] = ParseInt(t[leading + 3 + d], at, "image flag");
                    }
                }
                i++;
            }
        }

        private void ReadVelocities(int line)
        {
            if (_indexOfId is null)
            {
                throw Error(line, "the Velocities section must follow the Atoms section");
            }
            _velocities = new double[3 * _atomCount];
            var seen = new bool[_atomCount];
            foreach (var (content, at) in ReadLines("Velocities", _atomCount, line))
            {
                var t = Split(content);
                if (t.Length != 4)
                {
                    throw Error(at, $"Velocities: expected 4 columns (id vx vy vz), found {t.Length}");
                }
                var id = ParseInt(t[0], at, "atom id");
                if (!_indexOfId.TryGetValue(id, out var i))
                {
                    throw Error(at, $"Velocities: atom id {id} is not in the Atoms section");
                }
                if (seen[i])
                {
                    throw Error(at, $"Velocities: atom id {id} appears twice");
                }
                seen[i] = true;
                for (var d = 0; d < 3; d++)
                {
                    _velocities[3 * i + d] = ParseDouble(t[1 + d], at, "velocity");
                }
            }
        }

        private void ReadMasses(int line)
        {
            foreach (var (content, at) in ReadLines("Masses", _typeCount, line))
            {
                var t = Split(content);
                if (t.Length != 2)
                {
                    throw Error(at, $"Masses: expected 2 columns (type mass), found {t.Length}");
                }
                var type = ParseInt(t[0], at, "atom type");
                if (type < 1 || type > _typeCount)
                {
                    throw Error(at, $"Masses: type {type} is outside 1..{_typeCount}");
                }
                var mass = ParseDouble(t[1], at, "mass");
                if (!(mass > 0))
                {
                    throw Error(at, $"Masses: type {type} has mass {t[1]}; masses must be positive");
                }
                _masses[type - 1] = mass;
            }
        }

        // The section's data lines, as they are read: blank and comment-only lines are skipped, and a section keyword
        // where a data line is due means the section is short.
        private IEnumerable<(string Content, int Line)> ReadLines(string keyword, long count, int keywordLine)
        {
            for (long read = 0; read < count; read++)
            {
                if (NextLine() is not { } line)
                {
                    throw Error(_lineNumber, $"the file ends inside the '{keyword}' section (line {keywordLine}) after "
                        + $"{read} of {count} lines");
                }
                if (!StartsWithNumber(line.Content))
                {
                    throw Error(line.Line, $"'{keyword}' section (line {keywordLine}) has {read} lines where {count} "
                        + $"are expected; found '{Shorten(line.Content)}'");
                }
                yield return (line.Content, line.Line);
            }
        }

        private void SkipLines(string keyword, long count, int keywordLine)
        {
            foreach (var _ in ReadLines(keyword, count, keywordLine))
            {
            }
        }

        private (string Content, string? Comment, int Line)? NextSectionLine()
        {
            if (NextLine() is not { } line)
            {
                return null;
            }
            if (StartsWithNumber(line.Content))
            {
                throw Error(line.Line, $"expected a section keyword, found data line '{Shorten(line.Content)}' (more lines than the "
                    + "header declares?)");
            }
            return line;
        }

        // Next line with content; comment-only and blank lines are skipped.
        private (string Content, string? Comment, int Line)? NextLine()
        {
            while (ReadRawLine() is { } raw)
            {
                var hash = raw.IndexOf('#', StringComparison.Ordinal);
                var content = (hash >= 0 ? raw[..hash] : raw).Trim();
                var comment = hash >= 0 ? raw[(hash + 1)..].Trim() : null;
                if (content.Length > 0)
                {
                    return (content, comment, _lineNumber);
                }
            }
            return null;
        }

        // Every line goes through here: it counts lines and characters, and turns the input stream's refusals (the
        // input limit, a gzip bomb, corrupt gzip data) into errors at the line being read.
        private string? ReadRawLine()
        {
            string? raw;
            try
            {
                raw = reader.ReadLine();
            }
            catch (InputLimitException e)
            {
                throw Error(_lineNumber + 1, e.Problem);
            }
            catch (InvalidDataException e)
            {
                throw Error(_lineNumber + 1, $"corrupt gzip data: {e.Message}");
            }
            if (raw is null)
            {
                return null;
            }
            _lineNumber++;
            _charsRead += raw.Length + 1;
            if (_charsRead > lengthBound + 1)
            {
                throw Error(_lineNumber, $"the text is longer than the input limit of {InputLimits.FormatBytes(lengthBound)} "
                    + $"({InputLimits.MaxInputBytesVariable})");
            }
            return raw;
        }

        private static bool StartsWithNumber(string content)
        {
            var c = content[0];
            return char.IsAsciiDigit(c) || c is '-' or '+' or '.';
        }

        private static string[] Split(string content) =>
            content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

        private long ParseCount(string token, int line, string keyword)
        {
            if (!long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
            {
                throw Error(line, $"'{keyword}' count '{token}' is not a non-negative integer");
            }
            if (value > int.MaxValue)
            {
                throw Error(line, $"'{keyword}' count {value} is too large");
            }
            return value;
        }

        private int ParseInt(string token, int line, string what) =>
            int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Error(line, $"{what} '{token}' is not an integer");

        private double ParseDouble(string token, int line, string what) =>
            double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                ? value
                : throw Error(line, $"{what} '{token}' is not a finite number");

        private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

        private LammpsDataFormatException Error(int line, string problem) => new(fileName, line, problem);
    }
}
