using System.Globalization;
using System.Text;
using Dataflow.Kernels.Md.Script;

namespace Dataflow.Kernels.Md.Analysis;

/// <summary>The settings of a script's <c>compute ID group rdf N itype jtype ... [cutoff Rc]</c>.</summary>
/// <param name="Id">Compute id.</param>
/// <param name="Bins">Number of bins.</param>
/// <param name="Pairs">Type pairs, 1-based.</param>
/// <param name="Cutoff">The <c>cutoff</c> keyword, or null for the pair style's largest cutoff.</param>
public sealed record RdfCompute(string Id, int Bins, (int I, int J)[] Pairs, double? Cutoff)
{
    /// <summary>Columns of the compute's array (LAMMPS' c_ID[*]): r, then g and the coordination number per pair.</summary>
    public int Columns => 1 + 2 * Pairs.Length;
}

/// <summary>The settings of <c>fix ID group ave/time Nevery Nrepeat Nfreq c_ID[*] file F mode vector [format F]</c>
/// over an rdf compute.</summary>
/// <param name="Id">Fix id.</param>
/// <param name="Every">Nevery: steps between samples.</param>
/// <param name="Repeat">Nrepeat: samples per average.</param>
/// <param name="Frequency">Nfreq: steps between averages (a multiple of Nevery, at least Nrepeat * Nevery).</param>
/// <param name="Compute">The rdf compute averaged.</param>
/// <param name="File">Output file.</param>
/// <param name="Format">C format of each value (LAMMPS' default <c>" %g"</c>).</param>
public sealed record AveTimeSettings(string Id, int Every, int Repeat, int Frequency, RdfCompute Compute, string File, string Format);

/// <summary>LAMMPS' <c>fix ave/time ... c_ID[*] mode vector</c> (ave one) of a <c>compute rdf</c>: g(r) averaged over
/// Nrepeat snapshots Nevery apart, ending on each multiple of Nfreq, written as fix_ave_time.cpp writes its file.</summary>
/// <remarks>As FixAveTime::nextvalid: the first sample of an average is at (k Nfreq) - (Nrepeat - 1) Nevery for the first
/// k whose average is not yet over; an average's rows are the element-wise mean of its samples. The file gets its three
/// comment lines when the fix is defined, then per average a <c>STEP ROWS</c> line and the rows <c>i v1 v2 ...</c>.</remarks>
public sealed class TimeAveragedRdf
{
    private readonly CFormat _format;
    private double[][]? _sum;
    private int _samples;
    private long _next = -1;

    /// <summary>The fix; writes the file's header.</summary>
    public TimeAveragedRdf(AveTimeSettings settings, bool write = true)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _format = CFormat.Parse(settings.Format);
        if (write)
        {
            var header = new StringBuilder();
            header.Append("# Time-averaged data for fix ").Append(settings.Id).Append('\n');
            header.Append("# TimeStep Number-of-rows\n");
            header.Append("# Row");
            for (var c = 1; c <= settings.Compute.Columns; c++)
            {
                header.Append(" c_").Append(settings.Compute.Id).Append('[').Append(c.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            header.Append('\n');
            System.IO.File.WriteAllText(settings.File, header.ToString());
        }
    }

    /// <summary>The settings.</summary>
    public AveTimeSettings Settings { get; }

    /// <summary>Starts a run at <paramref name="step"/> (FixAveTime::init: the next sample step if none is pending).</summary>
    public void BeginRun(long step)
    {
        if (_next < step)
        {
            _next = NextValid(step);
            _sum = null;
            _samples = 0;
        }
    }

    /// <summary>Whether the snapshot at <paramref name="step"/> is sampled.</summary>
    public bool Wants(long step) => step == _next;

    /// <summary>Adds the compute's rows at <paramref name="step"/>; at the end of an average appends it to the file.</summary>
    public void Add(long step, double[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (step != _next)
        {
            throw new InvalidOperationException($"fix {Settings.Id}: a sample at step {step}, expected {_next}");
        }
        _sum ??= rows.Select(r => new double[r.Length]).ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            for (var c = 0; c < rows[i].Length; c++)
            {
                _sum[i][c] += rows[i][c];
            }
        }
        _samples++;
        if (_samples < Settings.Repeat)
        {
            _next = step + Settings.Every;
            return;
        }
        var text = new StringBuilder();
        text.Append(step.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(_sum.Length.ToString(CultureInfo.InvariantCulture)).Append('\n');
        var repeat = (double)Settings.Repeat;
        for (var i = 0; i < _sum.Length; i++)
        {
            text.Append((i + 1).ToString(CultureInfo.InvariantCulture));
            foreach (var v in _sum[i])
            {
                text.Append(_format.Format(v / repeat));
            }
            text.Append('\n');
        }
        System.IO.File.AppendAllText(Settings.File, text.ToString());
        _sum = null;
        _samples = 0;
        // FixAveTime::invoke_vector after an output.
        _next = step + Settings.Frequency - (long)(Settings.Repeat - 1) * Settings.Every;
    }

    // FixAveTime::nextvalid.
    private long NextValid(long step)
    {
        var nfreq = Settings.Frequency;
        var nvalid = (step / nfreq) * nfreq + nfreq;
        if (nvalid - nfreq == step && Settings.Repeat == 1)
        {
            nvalid = step;
        }
        else
        {
            nvalid -= (long)(Settings.Repeat - 1) * Settings.Every;
        }
        if (nvalid < step)
        {
            nvalid += nfreq;
        }
        return nvalid;
    }
}
