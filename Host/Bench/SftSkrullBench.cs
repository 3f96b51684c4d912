using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;
using TorchSharp;

namespace Dataflow.Host.Bench;

/// <summary>The <c>sftskrull</c> section of <c>dataflow bench</c>: Skrull's scheduling (GDS + DACP over two trainers
/// forming one context-parallel group) against round-robin and sorted batching over the same two trainers, the
/// simulated iteration time against the measured one, and the scheduler's own cost.</summary>
/// <remarks>The two trainers are two threads of this process, each with its own model and one libtorch thread; the
/// ranks of a sharded sequence pass their keys and values (and their gradients) as <see cref="SftKeyValueBlock"/>s
/// through in-process queues.</remarks>
internal static class SftSkrullBench
{
    private const int Trainers = 2;
    private const int Batch = 32;
    private const long Seed = 11;

    // One whole sequence of 16,384 tokens takes minutes and gigabytes on this machine (the masked attention is not
    // fused on CPU): the mix is capped, as the Mimose section caps it.
    private const int LongestTokens = 4096;

    public static Task Run(TextWriter w, int steps)
    {
        var settings = new SftSettings(SftModelConfig.Tiny(SftCorpus.SyntheticVocabulary), LogicalWorkers: 1, Seed: 7);
        TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        w.WriteLine(Invariant($"== sft Skrull (tiny model, synthetic lmsys, capped at {LongestTokens} tokens, global batch {Batch}, {Trainers} trainers = threads of this process with 1 libtorch thread each; {steps} batches)"));

        // The scheduler's cost: 512 sequences, 2 data-parallel ranks of 2 context-parallel ranks.
        var cost0 = new SkrullCostModel(2e-3, 2e-5, 2e-9, 10000);
        var big = Enumerable.Range(0, 100).Select(b => Enumerable.Range(0, 512)
            .Select(i => SyntheticSequences.Length(SyntheticMix.Lmsys, Seed, 512L * b + i)).ToArray()).ToArray();
        foreach (var lengths in big.Take(10))
        {
            SkrullScheduler.Gds(lengths, 2, 2, 20000, cost0);
        }
        var sw = Stopwatch.StartNew();
        var cpu0 = ThreadCpuClock.Seconds();
        foreach (var lengths in big)
        {
            SkrullScheduler.Gds(lengths, 2, 2, 20000, cost0);
        }
        var cpu = ThreadCpuClock.Seconds() - cpu0;
        w.WriteLine(Invariant($"  scheduling cost        {cpu * 1e3 / big.Length,9:F3} ms CPU time ({sw.Elapsed.TotalMilliseconds / big.Length:F3} ms wall) per global batch of 512 (GDS over 2 DP x DACP over 2 CP, bucket 20,000 tokens; mean of {big.Length})   (goal < 1 ms)"));

        // The cost model, measured on this node.
        int[] warmup = [64, 256, 1024, 2048, LongestTokens];
        var (cost, samples) = SkrullCostModel.Measure(settings, warmup, ranks: Trainers);
        w.WriteLine(Invariant($"  cost model (warm-up)   t(S) = {cost.FixedSeconds * 1e3:F3} ms + {cost.SecondsPerToken * 1e6:F3} us x S + {cost.SecondsPerTokenSquared * 1e9:F4} ns x S^2;  memory = {cost.BytesPerToken / 1024:F1} KiB x S;  sharding overhead {cost.ShardOverheadSeconds * 1e3:F2} ms per rank"));
        w.WriteLine("                         " + string.Join("  ", samples.Select(s => Invariant($"{s.Length}: {s.Seconds * 1e3:F1} ms {s.Bytes / 1048576.0:F0} MiB"))));
        var bucket = (long)((1L << 30) / Math.Max(1, cost.BytesPerToken));

        var batches = Enumerable.Range(0, steps).Select(step => Enumerable.Range(0, Batch)
            .Select(i => SyntheticSequences.Draw(SyntheticMix.Lmsys, Seed, (long)step * Batch + i).Take(LongestTokens).ToArray()).ToArray()).ToArray();
        var tokens = batches.Sum(b => b.Sum(s => (long)s.Length));
        w.WriteLine(Invariant($"  batches: {tokens} tokens, longest {batches.Max(b => b.Max(s => s.Length))}, median {Median(batches.SelectMany(b => b.Select(s => (double)s.Length)).ToList()):F0}; bucket {bucket} tokens per trainer (1 GiB / alpha)"));

        using var models = new Models(settings, Trainers);
        // Untimed: JIT and libtorch's first calls on both threads, and one sharded sequence.
        RunSkrull(models, SkrullScheduler.Gds([300, 40, 20], 1, Trainers, bucket, cost), [Walk(300), Walk(40), Walk(20)]);
        var names = new[] { "Skrull (GDS + DACP)", "round-robin", "sorted batching" };
        var measured = names.ToDictionary(n => n, _ => 0.0);
        var simulated = names.ToDictionary(n => n, _ => 0.0);
        var sharded = 0;
        for (var b = 0; b < batches.Length; b++)
        {
            var batch = batches[b];
            var lengths = batch.Select(s => s.Length).ToArray();
            var plan = SkrullScheduler.Gds(lengths, 1, Trainers, bucket, cost);
            sharded += plan.DataParallel.Sum(r => r.Sum(m => m.Placement.Count(p => p == SkrullScheduler.Sharded)));
            var roundRobin = Enumerable.Range(0, Trainers).Select(r => Enumerable.Range(0, Batch).Where(i => i % Trainers == r).ToArray()).ToArray();
            // Sorted batching: longest first, dealt to the trainers in turn.
            var sorted = Enumerable.Range(0, Batch).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
            var sortedShares = Enumerable.Range(0, Trainers).Select(r => sorted.Where((_, k) => k % Trainers == r).ToArray()).ToArray();
            simulated[names[0]] += plan.Seconds;
            simulated[names[1]] += roundRobin.Max(s => s.Sum(i => cost.Seconds(lengths[i])));
            simulated[names[2]] += sortedShares.Max(s => s.Sum(i => cost.Seconds(lengths[i])));
            // Rounds alternate the order, so that drift of the shared machine hits all alike.
            var runs = new (string Name, Func<double> Run)[]
            {
                (names[0], () => RunSkrull(models, plan, batch)),
                (names[1], () => RunLocal(models, roundRobin, batch)),
                (names[2], () => RunLocal(models, sortedShares, batch)),
            };
            foreach (var (name, run) in b % 2 == 0 ? runs : runs.Reverse())
            {
                measured[name] += run();
            }
        }
        foreach (var n in names)
        {
            w.WriteLine(Invariant($"  {n,-22} {tokens / measured[n],9:F0} tokens/s   measured {measured[n],7:F2} s   simulated {simulated[n],7:F2} s"));
        }
        w.WriteLine(Invariant($"  sequences sharded by DACP: {sharded} of {Batch * steps}"));
        var skrull = measured[names[0]];
        w.WriteLine(Invariant($"  Skrull / round-robin   {measured[names[1]] / skrull,9:F2} x   (goal >= 1.5)"));
        w.WriteLine(Invariant($"  Skrull / sorted        {measured[names[2]] / skrull,9:F2} x   (goal >= 1.2)"));
        w.WriteLine(Invariant($"  Skrull simulated / measured iteration time {simulated[names[0]] / skrull,6:F3}   (goal within 10 %)"));
        w.WriteLine();
        return Task.CompletedTask;
    }

    // Each trainer runs its sequences whole, one pass each; returns the wall seconds until both are done.
    private static double RunLocal(Models models, int[][] shares, int[][] batch)
    {
        var sw = Stopwatch.StartNew();
        OnThreads(r =>
        {
            foreach (var i in shares[r])
            {
                Pass(models[r], batch[i], i);
            }
        });
        return sw.Elapsed.TotalSeconds;
    }

    // Skrull's plan: micro-batches in turn; in each, every trainer runs its local sequences on a second thread while
    // it takes part in the sharded ones (the two groups share no data, so a rank waiting for another's keys or
    // gradients computes its local work meanwhile, as Skrull overlaps them).
    private static double RunSkrull(Models models, SkrullPlan plan, int[][] batch)
    {
        var sw = Stopwatch.StartNew();
        foreach (var micro in plan.DataParallel[0])
        {
            var shardedIds = micro.Sequences.Where((_, k) => micro.Placement[k] == SkrullScheduler.Sharded).ToArray();
            var exchanges = shardedIds.ToDictionary(i => i, _ => new Exchange(models.Layers, Trainers));
            OnThreads(r =>
            {
                // The local sequences on a model of their own: the gradients of both go to the same rank's sum.
                Exception? failed = null;
                var local = new Thread(() =>
                {
                    try
                    {
                        for (var k = 0; k < micro.Sequences.Length; k++)
                        {
                            if (micro.Placement[k] == r)
                            {
                                Pass(models.Local(r), batch[micro.Sequences[k]], micro.Sequences[k]);
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        failed = e;
                    }
                });
                local.Start();
                foreach (var i in shardedIds)
                {
                    using var shard = new ContextParallelShard(models[r], batch[i], i, Trainers, r);
                    exchanges[i].Run(shard);
                }
                local.Join();
                if (failed is not null)
                {
                    throw new InvalidOperationException($"trainer {r}: {failed.Message}", failed);
                }
            });
        }
        var seconds = sw.Elapsed.TotalSeconds;
        foreach (var m in models.All)
        {
            m.zero_grad();
        }
        return seconds;
    }

    // One dedicated thread per trainer (pool threads could run both trainers' bodies on one thread, and the ranks of a
    // sharded sequence wait for each other).
    private static void OnThreads(Action<int> body)
    {
        var errors = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Trainers).Select(r => new Thread(() =>
        {
            try
            {
                body(r);
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }
        foreach (var t in threads)
        {
            t.Join();
        }
        if (!errors.IsEmpty)
        {
            throw new AggregateException(errors);
        }
    }

    private static void Pass(SftTransformer model, int[] sequence, int id)
    {
        using var scope = torch.NewDisposeScope();
        ChunkFlowRunner.Run(model, new SftWorkItem([SftChunk.Slice(sequence, id, 0, sequence.Length)], Dependent: false), 1);
    }

    private static int[] Walk(int length) => Enumerable.Range(0, length).Select(i => (5 + 2 * i) % SftCorpus.SyntheticVocabulary).ToArray();

    /// <summary>The blocks of one sharded sequence between the ranks' threads: forward blocks per (layer, rank),
    /// gradient blocks per (layer, receiver, sender).</summary>
    private sealed class Exchange(int layers, int ranks)
    {
        private readonly ConcurrentDictionary<(int, int, int, int), TaskCompletionSource<SftKeyValueBlock>> _slots = new();

        private TaskCompletionSource<SftKeyValueBlock> Slot(int kind, int layer, int to, int from) =>
            _slots.GetOrAdd((kind, layer, to, from), _ => new TaskCompletionSource<SftKeyValueBlock>(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Run(ContextParallelShard shard)
        {
            var rank = shard.Rank;
            for (var l = 0; l < layers; l++)
            {
                Slot(0, l, -1, rank).SetResult(shard.Project(l));
                shard.Attend(l, Enumerable.Range(0, rank).Select(j => Slot(0, l, -1, j).Task.Result).ToArray());
            }
            shard.Loss();
            shard.BackwardHead();
            for (var l = layers - 1; l >= 0; l--)
            {
                foreach (var g in shard.BackwardAttend(l))
                {
                    Slot(1, l, g.Rank, rank).SetResult(g);
                }
                shard.BackwardProject(l, Enumerable.Range(rank + 1, ranks - rank - 1).Select(j => Slot(1, l, rank, j).Task.Result).ToArray());
            }
        }
    }

    private sealed class Models : IDisposable
    {
        private readonly SftTransformer[] _models;

        public Models(SftSettings settings, int count)
        {
            _models = Enumerable.Range(0, 2 * count).Select(_ => new SftTransformer(settings.Model, settings.Seed)).ToArray();
            Layers = settings.Model.Layers;
            Count = count;
        }

        public int Layers { get; }

        private int Count { get; }

        public SftTransformer this[int rank] => _models[rank];

        // A second model per rank for the local sequences that run beside its sharded ones.
        public SftTransformer Local(int rank) => _models[Count + rank];

        public IEnumerable<SftTransformer> All => _models;

        public void Dispose()
        {
            foreach (var m in _models)
            {
                m.Dispose();
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
