namespace Dataflow.Kernels.Tune;

/// <summary>How the tuner shares cost models and picks the next task.</summary>
public enum TunePolicy
{
    /// <summary>FamilySeer: one cost model per family, gradient task selection, foresee tuning of the family member
    /// the model predicts to gain most.</summary>
    FamilySeer,

    /// <summary>Ansor's baseline: one cost model for every task, gradient task selection.</summary>
    OneModel,

    /// <summary>One cost model per task, gradient task selection.</summary>
    PerTask,
}

/// <summary>The tuner's settings.</summary>
/// <param name="Policy">Cost-model sharing and task selection.</param>
/// <param name="Grouping">FamilySeer's families: by anchor operator or by op-sequence hash.</param>
/// <param name="Budget">New measurements this run makes at most.</param>
/// <param name="BatchSize">Candidates measured per round.</param>
/// <param name="Seed">Seed of the search's and the cost models' random streams.</param>
/// <param name="MaxThreads">Largest thread count a schedule may use (the measuring node's cores).</param>
/// <param name="Population">Schedules per generation of the evolutionary search.</param>
/// <param name="Generations">Generations per search.</param>
/// <param name="Epsilon">Share of each batch drawn at random, not by the model (Ansor's eps-greedy).</param>
public sealed record TunerOptions(
    TunePolicy Policy = TunePolicy.FamilySeer,
    FamilyGrouping Grouping = FamilyGrouping.Anchor,
    int Budget = 2000,
    int BatchSize = 16,
    int Seed = 1,
    int MaxThreads = 2,
    int Population = 64,
    int Generations = 4,
    double Epsilon = 0.1)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Budget < 1)
        {
            throw new ArgumentException($"budget {Budget} must be at least 1", nameof(Budget));
        }
        if (BatchSize < 1 || Population < 4 || Generations < 0 || MaxThreads < 1 || Epsilon is < 0 or > 1)
        {
            throw new ArgumentException("batch size, population (>= 4), generations, threads or epsilon out of range");
        }
    }
}

/// <summary>Candidates of one task to measure.</summary>
/// <param name="TaskIndex">The task's index in the model.</param>
/// <param name="Task">The task.</param>
/// <param name="Candidates">Schedules not measured before.</param>
public sealed record TuneBatch(int TaskIndex, TuneTask Task, TuneSchedule[] Candidates);
