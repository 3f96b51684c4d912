using System.Globalization;

namespace Dataflow.Kernels.Md.Constraints;

/// <summary>The arguments of LAMMPS' <c>fix ID group shake TOL ITER N [b ...] [a ...] [t ...] [m ...]</c>: which bonds
/// and angles are held at their equilibrium values, and how the iteration stops.</summary>
/// <param name="Tolerance">Convergence tolerance of the Lagrange multipliers (LAMMPS <c>tol</c>).</param>
/// <param name="MaxIterations">Iterations at most per cluster and step (<c>iter</c>).</param>
/// <param name="OutputEvery">LAMMPS' statistics interval (<c>N</c>); kept for the restart text, no statistics printed.</param>
/// <param name="BondTypes">Bond types whose bonds are constrained (<c>b</c>).</param>
/// <param name="AngleTypes">Angle types whose angles are constrained in 3-atom clusters (<c>a</c>).</param>
/// <param name="AtomTypes">Atom types whose bonds are constrained (<c>t</c>).</param>
/// <param name="Masses">Masses whose atoms' bonds are constrained, to within 0.1 (<c>m</c>).</param>
public sealed record ShakeSettings(double Tolerance, int MaxIterations, int OutputEvery, int[] BondTypes, int[] AngleTypes,
    int[] AtomTypes, double[] Masses)
{
    /// <summary>Parses the words after <c>shake</c> (<c>0.0001 20 0 b 1 a 1</c>).</summary>
    /// <exception cref="FormatException">A word that is not a number, a keyword LAMMPS does not know, or no constraint.</exception>
    public static ShakeSettings Parse(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Count < 5)
        {
            throw new FormatException("expected TOL ITER N followed by b, a, t or m lists");
        }
        var tolerance = Number(words[0], "tolerance");
        if (!(tolerance > 0))
        {
            throw new FormatException($"tolerance must be > 0 (got {words[0]})");
        }
        var iterations = Integer(words[1], "iterations");
        var every = Integer(words[2], "output interval");
        if (iterations < 1 || every < 0)
        {
            throw new FormatException("iterations must be >= 1 and the output interval >= 0");
        }
        var lists = new Dictionary<char, List<double>> { ['b'] = [], ['a'] = [], ['t'] = [], ['m'] = [] };
        char? mode = null;
        for (var i = 3; i < words.Count; i++)
        {
            var w = words[i];
            if (w is "b" or "a" or "t" or "m")
            {
                mode = w[0];
            }
            else if (w == "mol")
            {
                throw new FormatException("fix shake keyword 'mol' is not supported (b, a, t, m)");
            }
            else if (mode is null)
            {
                throw new FormatException($"expected b, a, t or m before '{w}'");
            }
            else
            {
                var value = mode == 'm' ? Number(w, "mass") : Integer(w, mode switch { 'b' => "bond type", 'a' => "angle type", _ => "atom type" });
                if (!(value > 0))
                {
                    throw new FormatException($"'{w}' must be > 0");
                }
                lists[mode.Value].Add(value);
            }
        }
        if (lists.Values.All(l => l.Count == 0))
        {
            throw new FormatException("no bond, angle, type or mass to constrain (b, a, t, m)");
        }
        return new ShakeSettings(tolerance, iterations, every, Ints(lists['b']), Ints(lists['a']), Ints(lists['t']), lists['m'].ToArray());
    }

    /// <summary>The words <see cref="Parse"/> reads back (full precision).</summary>
    public string ToArguments()
    {
        var words = new List<string>
        {
            Tolerance.ToString("R", CultureInfo.InvariantCulture),
            MaxIterations.ToString(CultureInfo.InvariantCulture),
            OutputEvery.ToString(CultureInfo.InvariantCulture),
        };
        void Add(string key, IEnumerable<string> values)
        {
            var list = values.ToList();
            if (list.Count > 0)
            {
                words.Add(key);
                words.AddRange(list);
            }
        }
        Add("b", BondTypes.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        Add("a", AngleTypes.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        Add("t", AtomTypes.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        Add("m", Masses.Select(m => m.ToString("R", CultureInfo.InvariantCulture)));
        return string.Join(' ', words);
    }

    private static int[] Ints(List<double> values) => values.Select(v => (int)v).ToArray();

    private static double Number(string word, string what) =>
        double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"{what} '{word}' is not a number");

    private static int Integer(string word, string what) =>
        int.TryParse(word, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"{what} '{word}' is not an integer");
}
