using System.Globalization;

namespace Dataflow.Kernels.Md.Script;

/// <summary>LAMMPS' equal-style formulas (docs.lammps.org/variable.html, "Math operators", "Math functions"): numbers,
/// <c>v_name</c> references, thermo keywords, <c>+ - * / % ^</c>, comparisons, <c>&amp;&amp; || !</c>, parentheses and
/// the math functions. Precedence as LAMMPS': unary minus and not, then <c>^</c>, then <c>* / %</c>, <c>+ -</c>,
/// comparisons, equalities, <c>&amp;&amp;</c>, <c>||</c>; binary operators associate left to right.</summary>
public sealed class ScriptExpression
{
    private readonly string _text;
    private readonly Func<string, double> _variable;
    private readonly Func<string, double?> _keyword;
    private int _position;

    private ScriptExpression(string text, Func<string, double> variable, Func<string, double?> keyword)
    {
        _text = text;
        _variable = variable;
        _keyword = keyword;
    }

    /// <summary>Evaluates <paramref name="text"/>.</summary>
    /// <param name="text">The formula.</param>
    /// <param name="variable">Value of <c>v_NAME</c>; throws <see cref="FormatException"/> for an undefined one.</param>
    /// <param name="keyword">Value of a thermo keyword (<c>step</c>, <c>atoms</c>, <c>vol</c>...), or null for an unknown
    /// word.</param>
    /// <exception cref="FormatException">A malformed formula, naming what was wrong.</exception>
    public static double Evaluate(string text, Func<string, double> variable, Func<string, double?> keyword)
    {
        ArgumentNullException.ThrowIfNull(text);
        var e = new ScriptExpression(text, variable, keyword);
        var value = e.Or();
        e.SkipSpaces();
        if (e._position < text.Length)
        {
            throw new FormatException($"formula '{text}': unexpected '{text[e._position..]}'");
        }
        return value;
    }

    private double Or()
    {
        var left = And();
        while (Accept("||"))
        {
            var right = And();
            left = left != 0 || right != 0 ? 1 : 0;
        }
        return left;
    }

    private double And()
    {
        var left = Equality();
        while (Accept("&&"))
        {
            var right = Equality();
            left = left != 0 && right != 0 ? 1 : 0;
        }
        return left;
    }

    private double Equality()
    {
        var left = Comparison();
        while (true)
        {
            if (Accept("=="))
            {
                left = left == Comparison() ? 1 : 0;
            }
            else if (Accept("!="))
            {
                left = left != Comparison() ? 1 : 0;
            }
            else
            {
                return left;
            }
        }
    }

    private double Comparison()
    {
        var left = Sum();
        while (true)
        {
            if (Accept("<="))
            {
                left = left <= Sum() ? 1 : 0;
            }
            else if (Accept(">="))
            {
                left = left >= Sum() ? 1 : 0;
            }
            else if (Accept("<"))
            {
                left = left < Sum() ? 1 : 0;
            }
            else if (Accept(">"))
            {
                left = left > Sum() ? 1 : 0;
            }
            else
            {
                return left;
            }
        }
    }

    private double Sum()
    {
        var left = Product();
        while (true)
        {
            if (Accept("+"))
            {
                left += Product();
            }
            else if (Accept("-"))
            {
                left -= Product();
            }
            else
            {
                return left;
            }
        }
    }

    private double Product()
    {
        var left = Power();
        while (true)
        {
            if (Accept("*"))
            {
                left *= Power();
            }
            else if (Accept("/"))
            {
                var right = Power();
                if (right == 0)
                {
                    throw new FormatException($"formula '{_text}': divide by 0");
                }
                left /= right;
            }
            else if (Accept("%"))
            {
                var right = Power();
                if (right == 0)
                {
                    throw new FormatException($"formula '{_text}': modulo 0");
                }
                // C fmod, as LAMMPS.
                left %= right;
            }
            else
            {
                return left;
            }
        }
    }

    private double Power()
    {
        var left = Unary();
        while (Accept("^"))
        {
            left = Math.Pow(left, Unary());
        }
        return left;
    }

    private double Unary()
    {
        if (Accept("-"))
        {
            return -Unary();
        }
        if (Accept("!"))
        {
            return Unary() == 0 ? 1 : 0;
        }
        return Primary();
    }

    private double Primary()
    {
        SkipSpaces();
        if (_position >= _text.Length)
        {
            throw new FormatException($"formula '{_text}': ends where a value was expected");
        }
        var c = _text[_position];
        if (Accept("("))
        {
            var inner = Or();
            Expect(")");
            return inner;
        }
        if (char.IsAsciiDigit(c) || c == '.')
        {
            return Number();
        }
        if (char.IsAsciiLetter(c) || c == '_')
        {
            var start = _position;
            while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
            {
                _position++;
            }
            var word = _text[start.._position];
            if (word.StartsWith("v_", StringComparison.Ordinal))
            {
                return _variable(word[2..]);
            }
            SkipSpaces();
            if (_position < _text.Length && _text[_position] == '(')
            {
                _position++;
                var arguments = new List<double>();
                if (!Accept(")"))
                {
                    do
                    {
                        arguments.Add(Or());
                    }
                    while (Accept(","));
                    Expect(")");
                }
                return Function(word, arguments);
            }
            if (word == "PI")
            {
                return Math.PI;
            }
            return _keyword(word) ?? throw new FormatException($"formula '{_text}': unknown word '{word}'");
        }
        throw new FormatException($"formula '{_text}': unexpected '{c}'");
    }

    private double Function(string name, List<double> a)
    {
        double Arg(int count)
        {
            if (a.Count != count)
            {
                throw new FormatException($"formula '{_text}': {name}() takes {count} argument(s), got {a.Count}");
            }
            return a[0];
        }
        return name switch
        {
            "sqrt" => Arg(1) >= 0 ? Math.Sqrt(a[0]) : throw new FormatException($"formula '{_text}': sqrt of a negative number"),
            "exp" => Math.Exp(Arg(1)),
            "ln" => Arg(1) > 0 ? Math.Log(a[0]) : throw new FormatException($"formula '{_text}': ln of a number <= 0"),
            "log" => Arg(1) > 0 ? Math.Log10(a[0]) : throw new FormatException($"formula '{_text}': log of a number <= 0"),
            "abs" => Math.Abs(Arg(1)),
            "sin" => Math.Sin(Arg(1)),
            "cos" => Math.Cos(Arg(1)),
            "tan" => Math.Tan(Arg(1)),
            "asin" => Math.Asin(Arg(1)),
            "acos" => Math.Acos(Arg(1)),
            "atan" => Math.Atan(Arg(1)),
            "atan2" => Arg(2) is var y ? Math.Atan2(y, a[1]) : 0,
            "ceil" => Math.Ceiling(Arg(1)),
            "floor" => Math.Floor(Arg(1)),
            // LAMMPS: MYROUND(a) = (a - floor(a) < 0.5 ? floor(a) : ceil(a)).
            "round" => Arg(1) - Math.Floor(a[0]) < 0.5 ? Math.Floor(a[0]) : Math.Ceiling(a[0]),
            "ternary" => Arg(3) != 0 ? a[1] : a[2],
            _ => throw new FormatException($"formula '{_text}': unknown function '{name}()'"),
        };
    }

    private double Number()
    {
        var start = _position;
        while (_position < _text.Length && (char.IsAsciiDigit(_text[_position]) || _text[_position] == '.'))
        {
            _position++;
        }
        if (_position < _text.Length && _text[_position] is 'e' or 'E')
        {
            var save = _position;
            _position++;
            if (_position < _text.Length && _text[_position] is '+' or '-')
            {
                _position++;
            }
            if (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
                {
                    _position++;
                }
            }
            else
            {
                _position = save;
            }
        }
        var token = _text[start.._position];
        return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"formula '{_text}': '{token}' is not a number");
    }

    private bool Accept(string token)
    {
        SkipSpaces();
        if (string.CompareOrdinal(_text, _position, token, 0, token.Length) != 0)
        {
            return false;
        }
        // '<' must not take the first character of '<=', and so on.
        if (token.Length == 1 && _position + 1 < _text.Length && _text[_position + 1] == '=' && token is "<" or ">" or "!")
        {
            return false;
        }
        _position += token.Length;
        return true;
    }

    private void Expect(string token)
    {
        if (!Accept(token))
        {
            throw new FormatException($"formula '{_text}': expected '{token}'");
        }
    }

    private void SkipSpaces()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }
}
