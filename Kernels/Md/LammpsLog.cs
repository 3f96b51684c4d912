using System.Globalization;
using System.Text.RegularExpressions;

namespace Dataflow.Kernels.Md;

/// <summary>Reads what the Dataflow md code compares against from a LAMMPS log: thermo rows and loop times.</summary>
public static partial class LammpsLog
{
    /// <summary>Rows of the first thermo block whose header is <see cref="ThermoSample.Header"/>
    /// (<c>thermo_style custom step temp pe ke etotal press</c>).</summary>
    /// <param name="lines">The log's lines.</param>
    /// <param name="normalized">Whether the run normalised (lj units: yes), recorded in the samples.</param>
    public static IReadOnlyList<ThermoSample> Thermo(IEnumerable<string> lines, bool normalized)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var rows = new List<ThermoSample>();
        var inBlock = false;
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (!inBlock)
            {
                inBlock = trimmed == ThermoSample.Header;
                continue;
            }
            var t = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length != 6 || !long.TryParse(t[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step))
            {
                break;
            }
            double D(int k) => double.Parse(t[k], NumberStyles.Float, CultureInfo.InvariantCulture);
            rows.Add(new ThermoSample(step, D(1), D(2), D(3), D(4), D(5), normalized));
        }
        return rows;
    }

    /// <summary>The seconds, process count, steps and atoms of the first <c>Loop time of T on P procs for S steps with
    /// N atoms</c> line, or null.</summary>
    public static (double Seconds, int Processes, long Steps, long Atoms)? LoopTime(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var line in lines)
        {
            var m = LoopTimePattern().Match(line);
            if (m.Success)
            {
                return (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                    long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
                    long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture));
            }
        }
        return null;
    }

    [GeneratedRegex(@"^Loop time of (\S+) on (\d+) procs for (\d+) steps with (\d+) atoms")]
    private static partial Regex LoopTimePattern();
}
