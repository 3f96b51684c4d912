using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;

namespace Dataflow.Host.Bench;

/// <summary>The <c>sftmimose</c> section of <c>dataflow bench</c>: Mimose's input-aware checkpointing against
/// checkpointing every block, under the same memory budget, on the same padded batches.</summary>
internal static class SftMimoseBench
{
    private const int LongestTokens = 2048;
    private const int Batch = 8;

    /// <summary>Tokens/s and measured peak per pass of both policies over <paramref name="steps"/> batches of the
    /// LMSys-like mix (lengths capped at <see cref="LongestTokens"/>), trained in this process, rounds alternating the
    /// order.</summary>
    public static Task Run(TextWriter w, int steps)
    {
        var model = SftModelConfig.Small(SftCorpus.SyntheticVocabulary);
        var settings = new SftSettings(model, SftSchedule.Padded, ChunkSize: LongestTokens, Keep: 2, GlobalBatch: Batch,
            LogicalWorkers: 1, MicroBatch: 2, Seed: 7);
        TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        NativeHeap.ReturnFreedBlocks();
        var batches = Enumerable.Range(0, steps).Select(step => Enumerable.Range(0, Batch)
            .Select(i => SyntheticSequences.Draw(SyntheticMix.Lmsys, settings.Seed, (long)step * Batch + i).Take(LongestTokens).ToArray())
            .ToArray()).ToArray();
        var tokens = batches.Sum(b => b.Sum(s => (long)s.Length));
        var parameters = SftTrainer.InitialParameters(settings);

        // The budget: halfway between the measured peaks of the longest padded micro-batch with every block recomputed
        // and with none, so that it binds on long inputs only.
        var longest = batches.SelectMany(b => b).OrderByDescending(s => s.Length).Take(2).ToArray();
        long Peak(SftCheckpointing mode)
        {
            using var trainer = new SftTrainer(settings with { Checkpointing = mode, MemoryBudgetBytes = 1L << 50 });
            trainer.Compute(parameters, longest, 0);
            trainer.Compute(parameters, longest, 0);
            return trainer.Checkpointing.PeakPassBytes;
        }
        var all = Peak(SftCheckpointing.All);
        var none = Peak(SftCheckpointing.None);
        var budget = (all + none) / 2;
        w.WriteLine(Invariant($"== sft Mimose vs checkpointing every block (small model: 4 blocks of 128, padded micro-batches of 2, synthetic lmsys capped at {LongestTokens} tokens, {steps} batches of {Batch}, {tokens} tokens; one trainer in this process)"));
        w.WriteLine(Invariant($"  budget {Mib(budget)} MiB per pass: halfway between the measured peaks of the longest micro-batch with every block recomputed ({Mib(all)} MiB) and none ({Mib(none)} MiB)"));

        var policies = new[] { SftCheckpointing.Mimose, SftCheckpointing.All };
        var trainers = policies.ToDictionary(p => p, p => new SftTrainer(settings with { Checkpointing = p, MemoryBudgetBytes = budget }));
        try
        {
            // Untimed: JIT, libtorch's first calls, and Mimose's warm-up (passes with every block recomputed, measured).
            var gradients = new Dictionary<SftCheckpointing, float[]>();
            foreach (var p in policies)
            {
                foreach (var batch in batches)
                {
                    gradients[p] = trainers[p].Compute(parameters, batch, 0).Gradient;
                }
            }
            var rates = policies.ToDictionary(p => p, _ => new List<double>());
            var passes = policies.ToDictionary(p => p, p => (trainers[p].Checkpointing.Passes, trainers[p].Checkpointing.CheckpointedLayers));
            const int rounds = 2;
            for (var round = 0; round < rounds; round++)
            {
                foreach (var p in round % 2 == 0 ? policies : policies.Reverse())
                {
                    var sw = Stopwatch.StartNew();
                    foreach (var batch in batches)
                    {
                        trainers[p].Compute(parameters, batch, 0);
                    }
                    rates[p].Add(tokens / sw.Elapsed.TotalSeconds);
                }
            }
            foreach (var p in policies)
            {
                var c = trainers[p].Checkpointing;
                var blocks = (double)(c.CheckpointedLayers - passes[p].CheckpointedLayers) / Math.Max(1, c.Passes - passes[p].Passes);
                w.WriteLine(Invariant($"  {Name(p),-24} {Median(rates[p]),8:F0} tokens/s   peak pass {Mib(c.PeakPassBytes),7:F1} MiB   over budget {c.PassesOverBudget} of {c.Passes} passes   {blocks:F2} blocks recomputed per timed pass   {c.PlanChanges} plan changes   (runs: {string.Join(" ", rates[p].Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))})"));
            }
            var same = gradients[SftCheckpointing.Mimose].AsSpan().SequenceEqual(gradients[SftCheckpointing.All]);
            w.WriteLine(Invariant($"  Mimose / every block     {Median(rates[SftCheckpointing.Mimose]) / Median(rates[SftCheckpointing.All]),8:F2} x   (goal >= 1.2, never above the budget)   gradients bitwise equal: {(same ? "yes" : "NO")}"));
            w.WriteLine();
        }
        finally
        {
            foreach (var t in trainers.Values)
            {
                t.Dispose();
            }
        }
        return Task.CompletedTask;
    }

    private static string Name(SftCheckpointing p) => p == SftCheckpointing.Mimose ? "Mimose" : "every block recomputed";

    private static double Mib(long bytes) => bytes / 1048576.0;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
