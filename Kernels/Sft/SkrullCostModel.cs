using System.Diagnostics;
using Dataflow.Kernels.Compute;
using MessagePack;
using TorchSharp;

namespace Dataflow.Kernels.Sft;

/// <summary>Skrull's cost model (arXiv 2505.19609, section 3): the forward and backward time of a sequence is linear
/// plus quadratic in its length (the projections and MLPs per token, attention per causal pair) and its memory is
/// alpha x S. Fitted by least squares to measurements on the node, never typed in.</summary>
/// <param name="FixedSeconds">Per-pass overhead, seconds.</param>
/// <param name="SecondsPerToken">Linear term, seconds per token.</param>
/// <param name="SecondsPerTokenSquared">Quadratic term, seconds per token squared (the causal pairs are S^2 / 2).</param>
/// <param name="BytesPerToken">Alpha: measured peak bytes of a pass per token.</param>
/// <param name="ShardOverheadSeconds">What each rank of a sharded sequence spends beyond its share of the work (the
/// block-by-block exchange, small passes), measured by running sharded sequences in the warm-up.</param>
[MessagePackObject]
public sealed record SkrullCostModel(
    [property: Key(0)] double FixedSeconds,
    [property: Key(1)] double SecondsPerToken,
    [property: Key(2)] double SecondsPerTokenSquared,
    [property: Key(3)] double BytesPerToken,
    [property: Key(4)] double ShardOverheadSeconds = 0)
{
    /// <summary>Forward and backward seconds of one sequence of <paramref name="length"/> tokens run whole on one rank.</summary>
    public double Seconds(int length) =>
        FixedSeconds + SecondsPerToken * length + SecondsPerTokenSquared * length * (double)length;

    /// <summary>Seconds of the rank holding tokens [start, start + count) of a sharded sequence: its tokens' linear
    /// work and the attention of its queries over every key before them (c x (end^2 - start^2)).</summary>
    public double ShardSeconds(int start, int count)
    {
        var end = (double)start + count;
        return FixedSeconds + ShardOverheadSeconds + SecondsPerToken * count + SecondsPerTokenSquared * (end * end - (double)start * start);
    }

    /// <summary>Memory of <paramref name="tokens"/> tokens' activations: alpha x S.</summary>
    public double Bytes(long tokens) => BytesPerToken * tokens;

    /// <summary>The model fitted to (length, seconds, peak bytes) measurements: seconds by least squares on
    /// [1, S, S^2] (a term that comes out negative is dropped and the rest refitted), alpha through the origin.</summary>
    public static SkrullCostModel Fit(IReadOnlyList<(int Length, double Seconds, long Bytes)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Select(s => s.Length).Distinct().Count() < 3)
        {
            throw new ArgumentException("the cost model needs measurements at three lengths or more", nameof(samples));
        }
        var use = new[] { true, true, true };
        double[] c;
        while (true)
        {
            c = LeastSquares(samples, use);
            var negative = Array.FindLastIndex(c, x => x < 0);
            if (negative < 0)
            {
                break;
            }
            use[negative] = false;
            if (!use.Any(u => u))
            {
                c = [0, 0, 0];
                break;
            }
        }
        var alpha = samples.Sum(s => (double)s.Length * s.Bytes) / samples.Sum(s => (double)s.Length * s.Length);
        return new SkrullCostModel(c[0], c[1], c[2], Math.Max(0, alpha));
    }

    /// <summary>Measures forward and backward of one sequence at each of <paramref name="lengths"/> on this node with
    /// the job's model (the warm-up): the fastest of <paramref name="repeats"/> runs, and the resident high-water mark
    /// above the memory before the pass; then fits.</summary>
    /// <remarks>With <paramref name="ranks"/> above 1, sequences of the two shortest lengths of at least 64 tokens are
    /// also run sharded over that many ranks (in turn, on this thread), and what the ranks took beyond the fitted
    /// shares of the work, per rank, is <see cref="ShardOverheadSeconds"/>.</remarks>
    public static (SkrullCostModel Model, IReadOnlyList<(int Length, double Seconds, long Bytes)> Samples) Measure(
        SftSettings settings, IReadOnlyList<int> lengths, int repeats = 2, int ranks = 1)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(lengths);
        TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        using var model = new SftTransformer(settings.Model, settings.Seed);
        var samples = new List<(int, double, long)>();
        // One pass first: libtorch's first calls allocate its pools and JIT paths.
        Pass(model, Walk(Math.Min(64, lengths.Min())));
        foreach (var length in lengths)
        {
            var sequence = Walk(length);
            var best = double.MaxValue;
            long peak = 0;
            for (var r = 0; r < Math.Max(1, repeats); r++)
            {
                GC.Collect();
                var before = PeakMemory.ResidentBytes();
                PeakMemory.ResetPeak();
                var sw = Stopwatch.StartNew();
                Pass(model, sequence);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
                peak = Math.Max(peak, PeakMemory.PeakBytes() - before);
            }
            samples.Add((length, best, Math.Max(0, peak)));
        }
        var fit = Fit(samples);
        var overheads = new List<double>();
        foreach (var length in ranks <= 1 ? [] : lengths.Where(l => l >= 64).Order().Take(2))
        {
            var sequence = Walk(length);
            var best = double.MaxValue;
            for (var r = 0; r < Math.Max(1, repeats); r++)
            {
                var sw = Stopwatch.StartNew();
                ShardedPass(model, sequence, ranks);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }
            var shares = ContextParallelShard.Split(length, ranks).Sum(s => fit.ShardSeconds(s.Start, s.Count));
            overheads.Add((best - shares) / ranks);
        }
        return (fit with { ShardOverheadSeconds = overheads.Count == 0 ? 0 : Math.Max(0, overheads.Average()) }, samples);

        int[] Walk(int length) =>
            Enumerable.Range(0, length).Select(i => (7 + 3 * i) % Math.Min(settings.Model.Vocabulary, SftCorpus.SyntheticVocabulary)).ToArray();
    }

    private static void Pass(SftTransformer model, int[] sequence)
    {
        using var scope = torch.NewDisposeScope();
        model.zero_grad();
        ChunkFlowRunner.Run(model, new SftWorkItem([SftChunk.Slice(sequence, 0, 0, sequence.Length)], Dependent: false), 1);
        model.zero_grad();
    }

    private static void ShardedPass(SftTransformer model, int[] sequence, int ranks)
    {
        using var scope = torch.NewDisposeScope();
        model.zero_grad();
        var shards = Enumerable.Range(0, ranks).Select(r => new ContextParallelShard(model, sequence, 0, ranks, r)).ToArray();
        ContextParallel.Run(shards, model.Config.Layers);
        foreach (var s in shards)
        {
            s.Dispose();
        }
        model.zero_grad();
    }

    private static double[] LeastSquares(IReadOnlyList<(int Length, double Seconds, long Bytes)> samples, bool[] use)
    {
        var columns = Enumerable.Range(0, 3).Where(i => use[i]).ToArray();
        var n = columns.Length;
        // Columns scaled to their largest value: S^2 spans 1e2 to 1e8.
        double Feature(int length, int term) => term switch { 0 => 1, 1 => length, _ => (double)length * length };
        var scale = columns.Select(t => samples.Max(s => Feature(s.Length, t))).ToArray();
        var a = new double[n, n + 1];
        foreach (var s in samples)
        {
            for (var r = 0; r < n; r++)
            {
                var xr = Feature(s.Length, columns[r]) / scale[r];
                for (var k = 0; k < n; k++)
                {
                    a[r, k] += xr * Feature(s.Length, columns[k]) / scale[k];
                }
                a[r, n] += xr * s.Seconds;
            }
        }
        // Gauss-Jordan with partial pivoting (n <= 3).
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = r;
                }
            }
            for (var k = 0; k <= n; k++)
            {
                (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
            }
            if (Math.Abs(a[col, col]) < 1e-15)
            {
                continue;
            }
            for (var r = 0; r < n; r++)
            {
                if (r != col)
                {
                    var f = a[r, col] / a[col, col];
                    for (var k = col; k <= n; k++)
                    {
                        a[r, k] -= f * a[col, k];
                    }
                }
            }
        }
        var result = new double[3];
        for (var i = 0; i < n; i++)
        {
            result[columns[i]] = Math.Abs(a[i, i]) < 1e-15 ? 0 : a[i, n] / a[i, i] / scale[i];
        }
        return result;
    }
}
