using System.Globalization;
using Dataflow.Kernels.Md.Bonded;
using Dataflow.Kernels.Md.Script;

namespace Dataflow.Kernels.Md.Analysis;

/// <summary>A script run's <c>fix ave/time</c> of <c>compute rdf</c>, fed with the snapshots (dump frames <c>id type x y
/// z</c>, full precision) that the domains send on the sample steps.</summary>
public sealed class SnapshotAnalysis
{
    private readonly ScriptRun _run;
    private readonly TimeAveragedRdf[] _fixes;
    private readonly UnitSystem _units;
    private readonly HashSet<(int, int)>? _excluded;

    /// <summary>The fixes <paramref name="fixes"/> of <paramref name="run"/>.</summary>
    public SnapshotAnalysis(ScriptRun run, TimeAveragedRdf[] fixes)
    {
        _run = run ?? throw new ArgumentNullException(nameof(run));
        _fixes = fixes ?? throw new ArgumentNullException(nameof(fixes));
        _units = UnitSystem.Parse(run.Units);
        if (run.System.Topology is { } topology)
        {
            // compute_rdf.cpp skips a special pair whose LJ and Coulomb weights are both 0.
            _excluded = SpecialBonds.SpecialPairs(topology)
                .Where(p => run.SpecialLj[p.Level - 1] == 0.0 && run.SpecialCoul[p.Level - 1] == 0.0)
                .Select(p => (p.Id1, p.Id2)).ToHashSet();
        }
    }

    /// <summary>The frames of a dump text, with their steps.</summary>
    public static IEnumerable<(long Step, string Frame)> Frames(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string marker = "ITEM: TIMESTEP\n";
        var start = text.IndexOf(marker, StringComparison.Ordinal);
        while (start >= 0)
        {
            var next = text.IndexOf(marker, start + marker.Length, StringComparison.Ordinal);
            var frame = next < 0 ? text[start..] : text[start..next];
            var stepLine = frame[marker.Length..frame.IndexOf('\n', marker.Length)];
            yield return (long.Parse(stepLine, CultureInfo.InvariantCulture), frame);
            start = next;
        }
    }

    /// <summary>Feeds the frame at <paramref name="relativeStep"/> (counted from the run's start) to the fixes that
    /// sample it.</summary>
    public void Add(long relativeStep, string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var step = relativeStep + _run.FirstStep;
        var wanting = _fixes.Where(f => f.Wants(step)).ToArray();
        if (wanting.Length == 0)
        {
            return;
        }
        var system = _run.System.Clone();
        var index = new Dictionary<int, int>(system.AtomCount);
        for (var i = 0; i < system.AtomCount; i++)
        {
            index[system.Ids[i]] = i;
        }
        var lines = frame.Split('\n');
        var atoms = Array.IndexOf(lines, lines.First(l => l.StartsWith("ITEM: ATOMS", StringComparison.Ordinal)));
        for (var k = atoms + 1; k < lines.Length && lines[k].Length > 0; k++)
        {
            var f = lines[k].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var i = index[int.Parse(f[0], CultureInfo.InvariantCulture)];
            for (var a = 0; a < 3; a++)
            {
                system.Positions[3 * i + a] = double.Parse(f[2 + a], CultureInfo.InvariantCulture);
            }
        }
        var state = new MdState(system, _units, _run.Timestep);
        foreach (var fix in wanting)
        {
            var compute = fix.Settings.Compute;
            var rows = RadialDistribution.Compute(state, compute.Cutoff ?? _run.RdfCutoff, compute.Bins, compute.Pairs, _excluded);
            fix.Add(step, rows);
        }
    }
}
