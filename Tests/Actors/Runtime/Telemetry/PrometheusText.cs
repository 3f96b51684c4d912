using System.Globalization;
using System.Text;

namespace Dataflow.Tests.Actors.Runtime.Telemetry;

/// <summary>One sample line of the Prometheus text format, labels unescaped.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A strict reader of the Prometheus text format 0.0.4, written independently of the formatter under test.</summary>
internal sealed class PrometheusText
{
    private PrometheusText(IReadOnlyDictionary<string, string> types, IReadOnlyList<PrometheusSample> samples)
    {
        Types = types;
        Samples = samples;
    }

    /// <summary>Metric family name to its TYPE.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Parses the text; throws <see cref="FormatException"/> naming the line on any violation.</summary>
    public static PrometheusText Parse(string text)
    {
        if (text.Contains('\r'))
        {
            throw new FormatException("carriage return in exposition text");
        }
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("text does not end with a line feed");
        }
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var sampled = new HashSet<string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var where = $"line {i + 1}: '{line}'";
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts.Length != 4 || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                {
                    throw new FormatException($"bad TYPE, {where}");
                }
                if (sampled.Contains(parts[2]) || !types.TryAdd(parts[2], parts[3]))
                {
                    throw new FormatException($"TYPE after samples or repeated, {where}");
                }
                continue;
            }
            if (line.StartsWith('#'))
            {
                continue;
            }
            var sample = ParseSample(line, where);
            if (!types.TryGetValue(sample.Name, out var type))
            {
                throw new FormatException($"sample without a preceding TYPE, {where}");
            }
            if (type == "counter" && !sample.Name.EndsWith("_total", StringComparison.Ordinal))
            {
                throw new FormatException($"counter name without _total, {where}");
            }
            sampled.Add(sample.Name);
            samples.Add(sample);
        }
        return new PrometheusText(types, samples);
    }

    /// <summary>The value of the one sample named <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Value(string name, params (string Name, string Value)[] labels) => Find(name, labels).Single().Value;

    public IEnumerable<PrometheusSample> Find(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));

    private static PrometheusSample ParseSample(string line, string where)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }
        var name = line[..i];
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            throw new FormatException($"bad metric name, {where}");
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var start = i;
                while (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_')
                {
                    i++;
                }
                var label = line[start..i];
                if (label.Length == 0 || line[i] != '=' || line[i + 1] != '"')
                {
                    throw new FormatException($"bad label, {where}");
                }
                i += 2;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        value.Append(line[i + 1] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape, {where}"),
                        });
                        i += 2;
                    }
                    else
                    {
                        value.Append(line[i++]);
                    }
                }
                i++;
                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException($"repeated label, {where}");
                }
                if (line[i] == ',')
                {
                    i++;
                }
            }
            i++;
        }
        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException($"no space before the value, {where}");
        }
        var fields = line[(i + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2)
        {
            throw new FormatException($"bad value, {where}");
        }
        var number = fields[0] switch
        {
            "NaN" => double.NaN,
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            var f when double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => throw new FormatException($"bad value, {where}"),
        };
        return new PrometheusSample(name, labels, number);
    }
}
