using System.Runtime.Intrinsics.X86;

namespace Dataflow.Kernels.Tune;

/// <summary>The values each knob of an operator's schedule may take, the untuned default, and the random moves of
/// the evolutionary search.</summary>
/// <param name="Operator">The operator whose kernel reads these knobs.</param>
/// <param name="Values">Per knob, in <see cref="TuneSchedule.Knobs"/> order, the values it may take; a single 0 for a
/// knob the kernel ignores.</param>
/// <param name="Default">The untuned schedule: what the operator runs without a record.</param>
public sealed record ScheduleSpace(TuneOperator Operator, int[][] Values, TuneSchedule Default)
{
    /// <summary>The space of <paramref name="op"/> on a machine of <paramref name="maxThreads"/> threads.</summary>
    /// <remarks>The matrix product's fused schedules (vector 3 and 4) are offered only where the processor has FMA:
    /// elsewhere <see cref="System.Numerics.Vector.FusedMultiplyAdd(System.Numerics.Vector{float}, System.Numerics.Vector{float}, System.Numerics.Vector{float})"/> is emulated and slow.</remarks>
    public static ScheduleSpace For(TuneOperator op, int maxThreads)
    {
        int[] threads = maxThreads > 1 ? [1, maxThreads] : [1];
        int[] none = [0];
        return op switch
        {
            TuneOperator.Dense or TuneOperator.Conv2d => new(op,
                [[0, 4, 8, 16, 32, 64], [0, 16, 32, 64, 128, 256], [0, 16, 32, 64, 128, 256], [1, 2, 4], Fma.IsSupported ? [0, 1, 2, 3, 4] : [0, 1, 2], [0, 1], [0, 4, 8, 16, 32, 64], threads],
                new TuneSchedule(Unroll: 1)),
            TuneOperator.DepthwiseConv2d => new(op,
                [[0, 1, 2, 4, 8, 16], none, none, none, [0, 1], [0, 1], none, threads],
                new TuneSchedule(LoopOrder: 1)),
            TuneOperator.Softmax or TuneOperator.Reduction => new(op,
                [none, none, none, [1, 2, 4], [0, 1], none, [0, 1, 4, 16, 64], threads],
                new TuneSchedule(Unroll: 1)),
            // The md workload's launch: minimum chunk 64 on all threads.
            TuneOperator.LennardJonesPair => new(op,
                [none, none, none, none, none, none, [64, 128, 256, 512, 1024, 2048], threads],
                new TuneSchedule(Chunk: 64, Threads: maxThreads)),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        };
    }

    /// <summary>Number of distinct schedules.</summary>
    public long Size => Values.Aggregate(1L, (n, v) => n * v.Length);

    /// <summary>A schedule with every knob drawn uniformly.</summary>
    public TuneSchedule Sample(Random rng) => FromKnobs(Values.Select(v => v[rng.Next(v.Length)]).ToArray());

    /// <summary>Changes one or two knobs of <paramref name="s"/> to another of their values.</summary>
    public TuneSchedule Mutate(TuneSchedule s, Random rng)
    {
        var knobs = s.Knobs;
        var moves = 1 + rng.Next(2);
        for (var m = 0; m < moves; m++)
        {
            var free = Enumerable.Range(0, Values.Length).Where(i => Values[i].Length > 1).ToArray();
            if (free.Length == 0)
            {
                break;
            }
            var knob = free[rng.Next(free.Length)];
            knobs[knob] = Values[knob][rng.Next(Values[knob].Length)];
        }
        return FromKnobs(knobs);
    }

    /// <summary>Each knob from one of the two parents.</summary>
    public TuneSchedule Crossover(TuneSchedule a, TuneSchedule b, Random rng)
    {
        var (x, y) = (a.Knobs, b.Knobs);
        return FromKnobs(x.Select((v, i) => rng.Next(2) == 0 ? v : y[i]).ToArray());
    }

    /// <summary>True when every knob of <paramref name="s"/> is one of its allowed values.</summary>
    public bool Contains(TuneSchedule s) => s.Knobs.Select((v, i) => Values[i].Contains(v)).All(ok => ok) || s == Default;

    private static TuneSchedule FromKnobs(int[] k) => new(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]);
}
