using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Sft;
using Dataflow.Sft;
using Xunit;

namespace Dataflow.Tests.Dataflow;

/// <summary>The <c>sft</c> workload with its blocks checkpointed (every block, or Mimose's plans) through the embedded
/// runtime. It reads the resident high-water mark, so it runs alone.</summary>
[Collection(global::Dataflow.Tests.Kernels.Sft.MemoryMeasurementCollection.Name)]
public sealed class SftCheckpointingWorkloadSpec : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("dataflow-sft-mimose-");

    public void Dispose() => _dir.Delete(recursive: true);

    private SftJobBuilder Walk(SftCheckpointing checkpointing, long budget) => Job.Sft()
        .Data(SftWorkloadSpec.WriteJsonLines(Path.Combine(_dir.FullName, "walk.jsonl"), SftWorkloadSpec.WalkSequences(24)))
        .Tokenizer(SftTokenizerKind.Bytes).Schedule(SftSchedule.Padded).ChunkSize(128).Batch(6).LogicalWorkers(2).MicroBatch(2)
        .Seed(3).Steps(4).Checkpointing(checkpointing).MemoryBudget(budget);

    [Fact]
    public async Task Recomputed_blocks_and_Mimose_plan_changes_leave_the_weights_bitwise_unchanged()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var none = (await cluster.RunAsync(Walk(SftCheckpointing.None, 0).Build())).As<SftResult>();
        var all = (await cluster.RunAsync(Walk(SftCheckpointing.All, 0).Build())).As<SftResult>();
        // 256 MiB: the warm-up recomputes every block, then the walk's short rows need none.
        var mimose = (await cluster.RunAsync(Walk(SftCheckpointing.Mimose, 256L << 20).Build())).As<SftResult>();

        Assert.Equal(none.WeightsSha256, all.WeightsSha256);
        Assert.Equal(none.WeightsSha256, mimose.WeightsSha256);
        Assert.Equal(none.FinalLoss, mimose.FinalLoss);
        Assert.Equal(("none", 0L), (none.LayerCheckpointing, none.CheckpointedLayers));
        // Every pass recomputes both blocks of the tiny model.
        Assert.Equal("all", all.LayerCheckpointing);
        Assert.True(all.CheckpointedLayers >= 4 * 2 * 2 && all.CheckpointedLayers % 2 == 0, $"{all.CheckpointedLayers} blocks recomputed");
        Assert.Equal("mimose", mimose.LayerCheckpointing);
        Assert.InRange(mimose.CheckpointedLayers, 1, all.CheckpointedLayers - 1);
        Assert.True(mimose.PlanChanges >= 1, $"plan changes {mimose.PlanChanges}");
        Assert.True(mimose.PeakPassBytes > 0, "the passes were measured");
        Assert.Equal(256L << 20, mimose.Inputs.MemoryBudgetBytes);
        Assert.Equal(0, mimose.PassesOverBudget);
    }

    [Fact]
    public void Mimose_without_a_budget_or_under_one_layers_need_names_the_option()
    {
        var missing = Assert.ThrowsAny<ArgumentException>(() => Job.Sft().Checkpointing(SftCheckpointing.Mimose).Build());
        Assert.Contains("--layer-checkpointing mimose plans under a memory budget: give --memory-budget", missing.Message, StringComparison.Ordinal);
        var low = Assert.ThrowsAny<ArgumentException>(() => Job.Sft().Checkpointing(SftCheckpointing.Mimose).MemoryBudget(1 << 20).Build());
        Assert.Contains("--memory-budget 1048576 bytes is below one layer's need", low.Message, StringComparison.Ordinal);
        // Recomputing the blocks lowers the least budget: one accepted only with checkpointing.
        var model = SftModelConfig.Tiny(SftCorpus.SyntheticVocabulary);
        var between = (model.CheckpointedChunkBytes(2048) + model.ChunkBytes(2048)) / 2;
        Assert.ThrowsAny<ArgumentException>(() => Job.Sft().MemoryBudget(between).Build());
        Assert.Equal(between, Job.Sft().Checkpointing(SftCheckpointing.Mimose).MemoryBudget(between).Build().Spec.Settings.MemoryBudgetBytes);
    }
}
