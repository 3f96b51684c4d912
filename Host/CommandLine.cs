using System.Globalization;

namespace Dataflow.Host;

/// <summary>A wrong verb, option or value on the command line: reported with usage, exit code 2.</summary>
internal sealed class UsageException(string message, string? usage = null) : Exception(message)
{
    public string? Usage { get; } = usage;

    /// <summary>The message of <paramref name="e"/> without the " (Parameter 'name')" that .NET appends to it.</summary>
    public static string MessageOf(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}

/// <summary>A <c>run</c> ended by SIGINT or SIGTERM: its job was cancelled; the process exits with 128 + the signal's
/// number.</summary>
internal sealed class RunInterruptedException(string signal, int exitCode)
    : Exception($"interrupted by {signal}; the job was cancelled")
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Parsed <c>--name value</c> options of one verb, checked against the options it accepts.</summary>
internal sealed class ParsedOptions
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly string _usage;

    /// <param name="valued">Options that take a value (without the leading dashes).</param>
    /// <param name="flags">Options without a value.</param>
    public ParsedOptions(IEnumerable<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags,
        string usage)
    {
        _usage = usage;
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (arg is "-h" or "--help")
            {
                _flags.Add("help");
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}'", usage);
            }
            var name = arg[2..];
            string? inline = null;
            var eq = name.IndexOf('=');
            if (eq > 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }
            if (flags.Contains(name))
            {
                _flags.Add(name);
            }
            else if (valued.Contains(name))
            {
                var value = inline ?? (e.MoveNext() ? e.Current : throw new UsageException($"option --{name} needs a value", usage));
                if (!_values.TryGetValue(name, out var list))
                {
                    _values[name] = list = [];
                }
                list.Add(value);
            }
            else
            {
                throw new UsageException($"unknown option --{name}", usage);
            }
        }
    }

    public bool Help => _flags.Contains("help");

    public bool Flag(string name) => _flags.Contains(name);

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> All(string name) =>
        _values.TryGetValue(name, out var v) ? v.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray() : [];

    public int Int(string name, int fallback) => Number(name, fallback, "an integer");

    public long Long(string name, long fallback) => Number(name, fallback, "an integer");

    public double Double(string name, double fallback) => Number(name, fallback, "a number");

    private T Number<T>(string name, T fallback, string expected) where T : IParsable<T>
    {
        var s = String(name);
        if (s is null)
        {
            return fallback;
        }
        return T.TryParse(s, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new UsageException($"--{name} {s}: expected {expected}", _usage);
    }

    public T Choice<T>(string name, IReadOnlyDictionary<string, T> choices, T fallback)
    {
        var s = String(name);
        if (s is null)
        {
            return fallback;
        }
        return choices.TryGetValue(s.ToLowerInvariant(), out var v)
            ? v
            : throw new UsageException($"--{name} {s}: expected one of {string.Join("|", choices.Keys)}", _usage);
    }
}
