using System.Globalization;
using System.Text;

namespace Dataflow.Kernels.Md.Script;

/// <summary>A script's variables and LAMMPS' substitution of <c>$x</c>, <c>${name}</c> and <c>$(expr)</c> into a line
/// (input.cpp <c>Input::substitute</c>, variable.cpp).</summary>
/// <remarks>Styles: <c>index</c> (its first value; a second definition, e.g. after <c>-var</c> on the command line,
/// is ignored, as in LAMMPS), <c>string</c>, <c>equal</c> (a formula evaluated each time it is read, formatted with
/// <c>%.15g</c>). <c>$(expr)</c> is evaluated at once, formatted with <c>%.20g</c> or its own <c>:%fmt</c>.</remarks>
public sealed class ScriptVariables
{
    private readonly Dictionary<string, (string Style, string Value)> _variables = new(StringComparer.Ordinal);

    /// <summary>Thermo keywords a formula may read (<c>step</c>, <c>atoms</c>, <c>vol</c>...): the interpreter sets it.</summary>
    public Func<string, double?> Keyword { get; set; } = _ => null;

    /// <summary>Whether <paramref name="name"/> is defined.</summary>
    public bool Contains(string name) => _variables.ContainsKey(name);

    /// <summary>Defines <paramref name="name"/> as an index variable from the command line (<c>-var NAME VALUE</c>).</summary>
    public void DefineIndex(string name, string value) => _variables[name] = ("index", value);

    /// <summary>Runs a <c>variable</c> command's words (after the command name).</summary>
    /// <exception cref="FormatException">A malformed definition.</exception>
    public void Define(IReadOnlyList<string> words)
    {
        if (words.Count < 2)
        {
            throw new FormatException("expected NAME STYLE ARGS");
        }
        var name = words[0];
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new FormatException($"variable name '{name}' must be letters, digits and underscores");
        }
        var style = words[1];
        switch (style)
        {
            case "index":
                if (words.Count < 3)
                {
                    throw new FormatException($"index variable {name} needs at least one value");
                }
                // LAMMPS: an index variable that exists (the command line's -var) keeps its value.
                _variables.TryAdd(name, ("index", words[2]));
                return;
            case "string":
                if (words.Count != 3)
                {
                    throw new FormatException($"string variable {name} takes one value (quote it if it has spaces)");
                }
                _variables[name] = ("string", words[2]);
                return;
            case "equal":
                if (words.Count < 3)
                {
                    throw new FormatException($"equal variable {name} needs a formula");
                }
                if (_variables.TryGetValue(name, out var old) && old.Style != "equal")
                {
                    throw new FormatException($"variable {name} is already defined as {old.Style} style");
                }
                _variables[name] = ("equal", string.Join(' ', words.Skip(2)));
                return;
            default:
                throw new FormatException($"variable style '{style}' is not supported (index, string, equal)");
        }
    }

    /// <summary>Removes a variable (<c>variable NAME delete</c>).</summary>
    public void Delete(string name) => _variables.Remove(name);

    /// <summary>The text of <paramref name="name"/> as <c>${name}</c> substitutes it.</summary>
    /// <exception cref="FormatException">Undefined, or its formula fails.</exception>
    public string Text(string name)
    {
        if (!_variables.TryGetValue(name, out var v))
        {
            throw new FormatException($"variable {name} is not defined");
        }
        return v.Style == "equal" ? CFormat.G(Numeric(name), 15) : v.Value;
    }

    /// <summary>The value of <paramref name="name"/> in a formula (<c>v_name</c>).</summary>
    /// <exception cref="FormatException">Undefined, not numeric, or its formula fails.</exception>
    public double Numeric(string name) => Numeric(name, 0);

    private double Numeric(string name, int depth)
    {
        if (!_variables.TryGetValue(name, out var v))
        {
            throw new FormatException($"variable {name} is not defined");
        }
        if (depth > 64)
        {
            throw new FormatException($"variable {name} refers to itself");
        }
        if (v.Style == "equal")
        {
            return ScriptExpression.Evaluate(v.Value, n => Numeric(n, depth + 1), Keyword);
        }
        return double.TryParse(v.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            ? x
            : throw new FormatException($"variable {name} = '{v.Value}' is not a number");
    }

    /// <summary>Evaluates a formula against these variables.</summary>
    public double Evaluate(string formula) => ScriptExpression.Evaluate(formula, Numeric, Keyword);

    /// <summary>The line with its comment removed and variables substituted outside quotes.</summary>
    /// <exception cref="FormatException">An undefined variable or a bad formula.</exception>
    public string Substitute(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = new StringBuilder();
        char quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                text.Append(c);
                continue;
            }
            if (c is '"' or '\'')
            {
                quote = c;
                text.Append(c);
                continue;
            }
            if (c == '#')
            {
                break;
            }
            if (c != '$')
            {
                text.Append(c);
                continue;
            }
            if (i + 1 >= line.Length)
            {
                throw new FormatException("'$' at the end of the line");
            }
            var next = line[i + 1];
            if (next == '{')
            {
                var end = line.IndexOf('}', i + 2);
                if (end < 0)
                {
                    throw new FormatException("'${' without '}'");
                }
                text.Append(Text(line[(i + 2)..end]));
                i = end;
            }
            else if (next == '(')
            {
                var depth = 0;
                var end = -1;
                for (var k = i + 1; k < line.Length; k++)
                {
                    if (line[k] == '(')
                    {
                        depth++;
                    }
                    else if (line[k] == ')' && --depth == 0)
                    {
                        end = k;
                        break;
                    }
                }
                if (end < 0)
                {
                    throw new FormatException("'$(' without ')'");
                }
                var inner = line[(i + 2)..end];
                var format = "%.20g";
                var colon = inner.LastIndexOf(':');
                if (colon >= 0 && inner[(colon + 1)..].TrimStart().StartsWith('%'))
                {
                    format = inner[(colon + 1)..].Trim();
                    inner = inner[..colon];
                }
                var value = Evaluate(inner);
                text.Append(CFormat.Parse(format).Format(value));
                i = end;
            }
            else
            {
                text.Append(Text(next.ToString()));
                i++;
            }
        }
        return text.ToString();
    }

    /// <summary>The words of a substituted line: split at white space, quotes (<c>"</c>, <c>'</c>, <c>"""</c>) grouping
    /// words and removed.</summary>
    /// <exception cref="FormatException">An unclosed quote.</exception>
    public static IReadOnlyList<string> Words(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
            {
                i++;
            }
            if (i >= line.Length)
            {
                return words;
            }
            if (line.AsSpan(i).StartsWith("\"\"\""))
            {
                var end = line.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new FormatException("unclosed \"\"\"");
                }
                words.Add(line[(i + 3)..end]);
                i = end + 3;
                continue;
            }
            if (line[i] is '"' or '\'')
            {
                var end = line.IndexOf(line[i], i + 1);
                if (end < 0)
                {
                    throw new FormatException($"unclosed {line[i]}");
                }
                words.Add(line[(i + 1)..end]);
                i = end + 1;
                continue;
            }
            var start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
            {
                i++;
            }
            words.Add(line[start..i]);
        }
    }
}
