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
        // Two budgets: halfway and three quarters of the way from the peak with every block recomputed to the peak
        // with none, so that they bind on long inputs only.
        var budgets = new[] { all + (none - all) / 2, all + 3 * (none - all) / 4 };
        w.WriteLine(Invariant($"== sft Mimose vs recomputing every block (small model: 4 blocks of 128, padded micro-batches of 2, synthetic lmsys capped at {LongestTokens} tokens, {steps} batches of {Batch}, {tokens} tokens; one trainer in this process, 1 libtorch thread)"));
        w.WriteLine(Invariant($"  measured peak of one pass of the longest micro-batch: {Mib(all):F1} MiB with every block recomputed, {Mib(none):F1} MiB with none; budgets {Mib(budgets[0]):F1} and {Mib(budgets[1]):F1} MiB"));
        w.WriteLine("  tokens/s over wall time, and over the trainer thread's CPU time (this machine is shared: the thread's CPU time counts its own work only)");

        var runs = new (string Name, SftCheckpointing Mode, long Budget)[]
        {
            ("every block recomputed", SftCheckpointing.All, budgets[0]),
            (Invariant($"Mimose, {Mib(budgets[0]):F0} MiB"), SftCheckpointing.Mimose, budgets[0]),
            (Invariant($"Mimose, {Mib(budgets[1]):F0} MiB"), SftCheckpointing.Mimose, budgets[1]),
        };
        var trainers = runs.Select(r => new SftTrainer(settings with { Checkpointing = r.Mode, MemoryBudgetBytes = r.Budget })).ToArray();
        try
        {
            // Untimed: JIT, libtorch's first calls, and Mimose's warm-up (passes with every block recomputed, measured).
            var gradients = new float[runs.Length][];
            for (var i = 0; i < runs.Length; i++)
            {
                foreach (var batch in batches)
                {
                    gradients[i] = trainers[i].Compute(parameters, batch, 0).Gradient;
                }
            }
            var wall = runs.Select(_ => new List<double>()).ToArray();
            var cpu = runs.Select(_ => new List<double>()).ToArray();
            var before = trainers.Select(t => (t.Checkpointing.Passes, t.Checkpointing.CheckpointedLayers)).ToArray();
            const int rounds = 2;
            for (var round = 0; round < rounds; round++)
            {
                var order = Enumerable.Range(0, runs.Length).ToArray();
                foreach (var i in round % 2 == 0 ? order : order.Reverse())
                {
                    var sw = Stopwatch.StartNew();
                    var cpu0 = ThreadCpuClock.Seconds();
                    foreach (var batch in batches)
                    {
                        trainers[i].Compute(parameters, batch, 0);
                    }
                    cpu[i].Add(tokens / (ThreadCpuClock.Seconds() - cpu0));
                    wall[i].Add(tokens / sw.Elapsed.TotalSeconds);
                }
            }
            for (var i = 0; i < runs.Length; i++)
            {
                var c = trainers[i].Checkpointing;
                var blocks = (double)(c.CheckpointedLayers - before[i].CheckpointedLayers) / Math.Max(1, c.Passes - before[i].Passes);
                w.WriteLine(Invariant($"  {runs[i].Name,-24} {Mean(wall[i]),7:F0} tokens/s wall {Mean(cpu[i]),7:F0} per CPU second   peak pass {Mib(c.PeakPassBytes),6:F1} MiB of {Mib(runs[i].Budget):F1}   over budget {c.PassesOverBudget} of {c.Passes} passes   {blocks:F2} blocks recomputed per timed pass   {c.PlanChanges} plan changes"));
            }
            for (var i = 1; i < runs.Length; i++)
            {
                var same = gradients[i].AsSpan().SequenceEqual(gradients[0]);
                w.WriteLine(Invariant($"  {runs[i].Name} / every block   {Mean(wall[i]) / Mean(wall[0]):F2} x wall, {Mean(cpu[i]) / Mean(cpu[0]):F2} x CPU time   (goal >= 1.2, never above the budget)   gradients bitwise equal: {(same ? "yes" : "NO")}"));
            }
            w.WriteLine();
        }
        finally
        {
            foreach (var t in trainers)
            {
                t.Dispose();
            }
        }
        return Task.CompletedTask;
    }

    private static double Mib(long bytes) => bytes / 1048576.0;

    private static double Mean(List<double> values) => values.Average();

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
