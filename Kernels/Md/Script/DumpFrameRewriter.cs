using System.Globalization;
using System.Text;

namespace Dataflow.Kernels.Md.Script;

/// <summary>Turns the engine's dump frames (<c>id type x y z</c>, steps counted from the run's start) into what a
/// script's <c>dump</c> asks for: steps counted from the script's timestep, and for <c>dump atom</c> scaled
/// coordinates <c>id type xs ys zs</c> printed with <c>%g</c>, as LAMMPS' dump_atom.cpp writes them.</summary>
public static class DumpFrameRewriter
{
    /// <summary>The rewritten frames of <paramref name="frames"/>.</summary>
    /// <param name="frames">One or more whole frames as <see cref="LammpsDumpWriter"/> writes them.</param>
    /// <param name="stepOffset">Added to every <c>ITEM: TIMESTEP</c>.</param>
    /// <param name="scaled">Write <c>dump atom</c>'s scaled coordinates.</param>
    public static string Rewrite(string frames, long stepOffset, bool scaled)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var lines = frames.Split('\n');
        var text = new StringBuilder(frames.Length);
        var bounds = new double[6];
        var inAtoms = false;
        var g = CFormat.Parse("%g");
        for (var k = 0; k < lines.Length; k++)
        {
            var line = lines[k];
            if (k == lines.Length - 1 && line.Length == 0)
            {
                break;
            }
            if (line.StartsWith("ITEM:", StringComparison.Ordinal))
            {
                inAtoms = false;
                if (line == "ITEM: TIMESTEP" && k + 1 < lines.Length)
                {
                    text.Append(line).Append('\n');
                    k++;
                    var step = long.Parse(lines[k], CultureInfo.InvariantCulture) + stepOffset;
                    text.Append(step.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    continue;
                }
                if (line.StartsWith("ITEM: BOX BOUNDS", StringComparison.Ordinal) && k + 3 < lines.Length)
                {
                    text.Append(line).Append('\n');
                    for (var d = 0; d < 3; d++)
                    {
                        k++;
                        var f = lines[k].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        bounds[2 * d] = double.Parse(f[0], CultureInfo.InvariantCulture);
                        bounds[2 * d + 1] = double.Parse(f[1], CultureInfo.InvariantCulture);
                        text.Append(lines[k]).Append('\n');
                    }
                    continue;
                }
                if (line.StartsWith("ITEM: ATOMS", StringComparison.Ordinal))
                {
                    inAtoms = true;
                    text.Append(scaled ? "ITEM: ATOMS id type xs ys zs" : line).Append('\n');
                    continue;
                }
                text.Append(line).Append('\n');
                continue;
            }
            if (inAtoms && scaled)
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                text.Append(f[0]).Append(' ').Append(f[1]);
                for (var d = 0; d < 3; d++)
                {
                    var x = double.Parse(f[2 + d], CultureInfo.InvariantCulture);
                    text.Append(' ').Append(g.Format((x - bounds[2 * d]) / (bounds[2 * d + 1] - bounds[2 * d])));
                }
                text.Append('\n');
                continue;
            }
            text.Append(line).Append('\n');
        }
        return text.ToString();
    }
}
