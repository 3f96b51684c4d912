using System.Globalization;
using System.Runtime.InteropServices;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;
using Dataflow.Sft;

namespace Dataflow.Host.Bench;

/// <summary>The <c>sft</c> sections of <c>dataflow bench</c>: ChunkFlow's throughput against padded batching and
/// sort-and-pack, and peak memory as the longest sequence grows.</summary>
internal static class SftBench
{
    private const int ChunkSize = 2048;

    /// <summary>Tokens/s of the three schedules on the same LMSys-like batches through an embedded cluster, rounds
    /// alternating the order so that drift of the machine hits all alike.</summary>
    public static async Task Schedules(TextWriter w, int steps)
    {
        w.WriteLine(Invariant($"== sft schedules (embedded cluster, tiny model, synthetic lmsys, batch 8, 2 trainers, chunk {ChunkSize}, K 2; {steps} steps per run)"));
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        SftJob Make(SftSchedule schedule, int n) => Job.Sft().Synthetic(SyntheticMix.Lmsys).Schedule(schedule)
            .ChunkSize(ChunkSize).K(2).Batch(8).LogicalWorkers(2).MicroBatch(2).Steps(n).CheckpointEvery(n).Seed(7).Build();
        var schedules = new[] { SftSchedule.ChunkFlow, SftSchedule.Padded, SftSchedule.Packed };
        // Warm-up: JIT and libtorch's first calls.
        await cluster.RunAsync(Make(SftSchedule.ChunkFlow, 1));
        var rates = schedules.ToDictionary(s => s, _ => new List<double>());
        var padding = new Dictionary<SftSchedule, double>();
        var tokens = new Dictionary<SftSchedule, long>();
        const int rounds = 2;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var schedule in round % 2 == 0 ? schedules : schedules.Reverse())
            {
                var r = (await cluster.RunAsync(Make(schedule, steps))).As<SftResult>();
                rates[schedule].Add(r.TokensPerSecond);
                padding[schedule] = r.PaddingFraction;
                tokens[schedule] = r.Tokens;
            }
        }
        foreach (var s in schedules)
        {
            w.WriteLine(Invariant($"  {Name(s),-22} {Median(rates[s]),9:F0} tokens/s   padding {padding[s] * 100,5:F1} %   ({tokens[s]} tokens per run; runs: {string.Join(" ", rates[s].Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))})"));
        }
        var chunkflow = Median(rates[SftSchedule.ChunkFlow]);
        w.WriteLine(Invariant($"  ChunkFlow / padded     {chunkflow / Median(rates[SftSchedule.Padded]),9:F2} x   (goal >= 2)"));
        w.WriteLine(Invariant($"  ChunkFlow / packed     {chunkflow / Median(rates[SftSchedule.Packed]),9:F2} x   (goal >= 1.3)"));
        w.WriteLine();
    }

    /// <summary>Measured peak memory of one training step whose batch holds one sequence of length L (and seven short
    /// ones), for L and 4L, ChunkFlow (fixed chunk size) against padded batching.</summary>
    public static Task Memory(TextWriter w)
    {
        const int chunk = 1024;
        int[] longest = [2048, 8192];
        w.WriteLine(Invariant($"== sft peak memory (tiny model, one step in this process, chunk {chunk}, K 2; peak = resident high-water mark over the step minus resident memory before it, after malloc_trim)"));
        var results = new Dictionary<(SftSchedule, int), long>();
        foreach (var schedule in new[] { SftSchedule.ChunkFlow, SftSchedule.Padded })
        {
            foreach (var length in longest)
            {
                results[(schedule, length)] = PeakBytes(schedule, chunk, length);
                w.WriteLine(Invariant($"  {Name(schedule),-22} longest {length,6}   {results[(schedule, length)] / 1048576.0,8:F0} MiB"));
            }
        }
        double Growth(SftSchedule s) => (double)results[(s, longest[1])] / results[(s, longest[0])];
        w.WriteLine(Invariant($"  growth for 4x longest  ChunkFlow {Growth(SftSchedule.ChunkFlow):F2} x (goal within 1.2 x), padded {Growth(SftSchedule.Padded):F2} x"));
        w.WriteLine();
        return Task.CompletedTask;
    }

    private static long PeakBytes(SftSchedule schedule, int chunk, int longest)
    {
        var settings = new SftSettings(SftModelConfig.Tiny(SftCorpus.SyntheticVocabulary), schedule, chunk, Keep: 2,
            GlobalBatch: 8, LogicalWorkers: 1, MicroBatch: 2);
        TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        using var trainer = new SftTrainer(settings);
        var parameters = SftTrainer.InitialParameters(settings);
        var batch = Enumerable.Range(0, 8)
            .Select(i => SyntheticSequences.Draw(SyntheticMix.Lmsys, 5, i).Take(i == 0 ? longest : 200).ToArray())
            .ToArray();
        // The long one is drawn to full length: replace it by a walk of exactly `longest` tokens.
        batch[0] = Enumerable.Range(0, longest).Select(i => (7 + 2 * i) % SftCorpus.SyntheticVocabulary).ToArray();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Trim();
        var before = PeakMemory.ResidentBytes();
        PeakMemory.ResetPeak();
        trainer.Compute(parameters, batch, 0);
        var peak = PeakMemory.PeakBytes();
        return Math.Max(0, peak - before);
    }

    // Freed heap memory that glibc keeps would otherwise count as resident before the step and hide what it reuses.
    private static void Trim()
    {
        try
        {
            malloc_trim(0);
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    private static string Name(SftSchedule s) => s switch
    {
        SftSchedule.ChunkFlow => "ChunkFlow",
        SftSchedule.Padded => "padded batching",
        _ => "sort-and-pack",
    };

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
