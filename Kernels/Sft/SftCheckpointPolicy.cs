using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Sft;

/// <summary>A trainer's activation checkpointing across passes: the plan of each pass (none, all, or Mimose's for the
/// pass's input size), its measured peak, and the counts the result reports. One per trainer; not thread-safe.</summary>
/// <remarks>A pass's peak is the process's resident high-water mark over the pass minus its resident size before
/// it, with glibc set to give freed blocks back (<see cref="NativeHeap.ReturnFreedBlocks"/>), so what earlier passes
/// freed is not counted as free room. The high-water mark is reset at every measured pass; <see cref="PeakResidentBytes"/>
/// keeps the highest one seen.</remarks>
public sealed class SftCheckpointPolicy
{
    private readonly SftCheckpointing _mode;
    private readonly int _layers;
    private readonly long _budgetBytes;
    private readonly MimosePlanner? _mimose;
    private bool[]? _lastPlan;
    private long _residentBefore;

    /// <summary>The policy of <paramref name="mode"/> for a model of <paramref name="layers"/> blocks;
    /// <paramref name="budgetBytes"/> (0: none) is what one pass may use above the resident memory before it.</summary>
    public SftCheckpointPolicy(SftCheckpointing mode, int layers, long budgetBytes)
    {
        if (mode == SftCheckpointing.Mimose && budgetBytes <= 0)
        {
            throw new ArgumentException("--layer-checkpointing mimose needs --memory-budget", "memory-budget");
        }
        _mode = mode;
        _layers = layers;
        _budgetBytes = budgetBytes;
        _mimose = mode == SftCheckpointing.Mimose ? new MimosePlanner(layers, budgetBytes) : null;
        if (Measures)
        {
            NativeHeap.ReturnFreedBlocks();
        }
    }

    /// <summary>The policy of <paramref name="settings"/>.</summary>
    public static SftCheckpointPolicy Of(SftSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new SftCheckpointPolicy(settings.Checkpointing, settings.Model.Layers, settings.MemoryBudgetBytes);
    }

    /// <summary>Whether passes run through <see cref="LayerCheckpoints"/> and are measured (a mode other than none, or
    /// a budget).</summary>
    public bool Measures => _mode != SftCheckpointing.None || _budgetBytes > 0;

    /// <summary>The Mimose planner, or null.</summary>
    public MimosePlanner? Mimose => _mimose;

    /// <summary>Passes run.</summary>
    public long Passes { get; private set; }

    /// <summary>Blocks recomputed, summed over passes.</summary>
    public long CheckpointedLayers { get; private set; }

    /// <summary>Passes whose plan differed from the pass before.</summary>
    public long PlanChanges { get; private set; }

    /// <summary>Passes whose measured peak was above the budget.</summary>
    public long PassesOverBudget { get; private set; }

    /// <summary>Highest measured peak of one pass, bytes above the resident size before it.</summary>
    public long PeakPassBytes { get; private set; }

    /// <summary>Highest resident high-water mark at the end of a pass, bytes.</summary>
    public long PeakResidentBytes { get; private set; }

    /// <summary>Starts a pass of <paramref name="rows"/> rows of <paramref name="length"/> tokens: its checkpoints, or
    /// null to run it as it is (no mode, no budget).</summary>
    public LayerCheckpoints? Begin(int rows, int length)
    {
        if (!Measures)
        {
            return null;
        }
        var plan = _mode switch
        {
            SftCheckpointing.All => Enumerable.Repeat(true, _layers).ToArray(),
            SftCheckpointing.Mimose => _mimose!.Plan(rows, length),
            _ => new bool[_layers],
        };
        if (_lastPlan is not null && !_lastPlan.AsSpan().SequenceEqual(plan))
        {
            PlanChanges++;
        }
        _lastPlan = plan;
        _residentBefore = PeakMemory.ResidentBytes();
        PeakMemory.ResetPeak();
        return new LayerCheckpoints(plan) { Measure = _mimose is not null };
    }

    /// <summary>Ends the pass <see cref="Begin"/> returned (after its backward): measures its peak and tells the
    /// planner.</summary>
    public void End(LayerCheckpoints? pass, int rows, int length)
    {
        if (pass is null)
        {
            return;
        }
        var highWater = PeakMemory.PeakBytes();
        var peak = Math.Max(0, highWater - _residentBefore);
        Passes++;
        CheckpointedLayers += pass.CheckpointedCount;
        PeakPassBytes = Math.Max(PeakPassBytes, peak);
        PeakResidentBytes = Math.Max(PeakResidentBytes, highWater);
        if (_budgetBytes > 0 && peak > _budgetBytes)
        {
            PassesOverBudget++;
        }
        _mimose?.Observe(rows, length, [.. pass.Checkpointed], pass.LayerBytes, peak);
    }
}
