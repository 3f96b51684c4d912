using System.Globalization;
using System.Text;

namespace Dataflow.Kernels.Md.Script;

/// <summary>C <c>printf</c> conversions of one number (<c>%d</c>, <c>%g</c>, <c>%e</c>, <c>%f</c> with flags, width
/// and precision), so that thermo output and <c>$(expr:%fmt)</c> read as LAMMPS writes them.</summary>
public sealed class CFormat
{
    private readonly string _prefix;
    private readonly string _suffix;
    private readonly bool _leftAlign;
    private readonly bool _plus;
    private readonly bool _space;
    private readonly bool _zeroPad;
    private readonly int _width;
    private readonly int _precision;
    private readonly char _conversion;

    private CFormat(string prefix, string suffix, bool left, bool plus, bool space, bool zero, int width, int precision, char conversion)
    {
        _prefix = prefix;
        _suffix = suffix;
        _leftAlign = left;
        _plus = plus;
        _space = space;
        _zeroPad = zero;
        _width = width;
        _precision = precision;
        _conversion = conversion;
    }

    /// <summary>Whether the conversion is an integer one (<c>%d</c>, <c>%i</c>).</summary>
    public bool IsInteger => _conversion is 'd' or 'i';

    /// <summary>Parses a format with exactly one conversion, e.g. <c>%12.8g</c> or <c>%.16g</c>.</summary>
    /// <exception cref="FormatException">Not one of the conversions above.</exception>
    public static CFormat Parse(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var start = format.IndexOf('%', StringComparison.Ordinal);
        if (start < 0)
        {
            throw new FormatException($"'{format}' has no % conversion");
        }
        var i = start + 1;
        bool left = false, plus = false, space = false, zero = false;
        for (; i < format.Length && "-+ 0#".Contains(format[i], StringComparison.Ordinal); i++)
        {
            switch (format[i])
            {
                case '-': left = true; break;
                case '+': plus = true; break;
                case ' ': space = true; break;
                case '0': zero = true; break;
                default: break;
            }
        }
        var width = 0;
        for (; i < format.Length && char.IsAsciiDigit(format[i]); i++)
        {
            width = 10 * width + (format[i] - '0');
        }
        var precision = -1;
        if (i < format.Length && format[i] == '.')
        {
            precision = 0;
            for (i++; i < format.Length && char.IsAsciiDigit(format[i]); i++)
            {
                precision = 10 * precision + (format[i] - '0');
            }
        }
        // Length modifiers (%ld, %lg, %lld) change nothing for us.
        while (i < format.Length && format[i] is 'l' or 'h')
        {
            i++;
        }
        if (i >= format.Length || format[i] is not ('d' or 'i' or 'g' or 'G' or 'e' or 'E' or 'f' or 'F'))
        {
            throw new FormatException($"'{format}': expected one of %d %g %e %f");
        }
        var suffix = format[(i + 1)..];
        if (suffix.Replace("%%", "", StringComparison.Ordinal).Contains('%', StringComparison.Ordinal))
        {
            throw new FormatException($"'{format}' has more than one conversion");
        }
        return new CFormat(format[..start], suffix, left, plus, space, zero, width, precision, format[i]);
    }

    /// <summary>The number formatted as C's printf would.</summary>
    public string Format(double value)
    {
        var body = _conversion switch
        {
            'd' or 'i' => Math.Abs(Math.Truncate(value)).ToString("F0", CultureInfo.InvariantCulture),
            'f' or 'F' => Fixed(Math.Abs(value), _precision < 0 ? 6 : _precision),
            'e' or 'E' => Exponential(Math.Abs(value), _precision < 0 ? 6 : _precision, _conversion == 'E'),
            _ => General(Math.Abs(value), _precision < 0 ? 6 : Math.Max(1, _precision), _conversion == 'G'),
        };
        if (double.IsNaN(value))
        {
            body = "nan";
        }
        else if (double.IsInfinity(value))
        {
            body = "inf";
        }
        var negative = value < 0 || (value == 0 && double.IsNegative(value) && !IsInteger);
        var sign = negative ? "-" : _plus ? "+" : _space ? " " : "";
        var padding = Math.Max(0, _width - sign.Length - body.Length);
        var text = new StringBuilder(_prefix);
        if (_leftAlign)
        {
            text.Append(sign).Append(body).Append(' ', padding);
        }
        else if (_zeroPad && double.IsFinite(value))
        {
            text.Append(sign).Append('0', padding).Append(body);
        }
        else
        {
            text.Append(' ', padding).Append(sign).Append(body);
        }
        return text.Append(_suffix.Replace("%%", "%", StringComparison.Ordinal)).ToString();
    }

    /// <summary>C's <c>%.{precision}g</c> of a number (no width), e.g. LAMMPS' <c>%.15g</c> for variables.</summary>
    public static string G(double value, int precision) => Parse($"%.{precision}g").Format(value);

    private static string Fixed(double value, int precision) =>
        value.ToString("F" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Exponential(double value, int precision, bool upper)
    {
        // .NET rounds correctly, as glibc does; only the exponent's form differs (e+005 -> e+05).
        var text = value.ToString((upper ? "E" : "e") + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var e = text.IndexOfAny(['e', 'E']);
        var exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return text[..(e + 1)] + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    private static string General(double value, int precision, bool upper)
    {
        if (value == 0)
        {
            return "0";
        }
        // C99 7.19.6.1: X is the exponent of the %e form with precision P - 1.
        var e = Exponential(value, precision - 1, upper);
        var x = int.Parse(e[(e.IndexOfAny(['e', 'E']) + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string text;
        if (x < precision && x >= -4)
        {
            text = Fixed(value, precision - 1 - x);
            if (text.Contains('.', StringComparison.Ordinal))
            {
                text = text.TrimEnd('0').TrimEnd('.');
            }
            return text;
        }
        var mark = e.IndexOfAny(['e', 'E']);
        var mantissa = e[..mark];
        if (mantissa.Contains('.', StringComparison.Ordinal))
        {
            mantissa = mantissa.TrimEnd('0').TrimEnd('.');
        }
        return mantissa + e[mark..];
    }
}
