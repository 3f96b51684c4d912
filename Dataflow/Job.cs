namespace Dataflow;

/// <summary>Entry point of the job DSL: one builder per workload, each added by the workload's builder file.</summary>
/// <example>
/// <code>
/// var job = Job.Train().Model(TrainModelKind.Mlp).LogicalWorkers(4).Steps(100).Seed(7).Build();
/// await using var cluster = await DataflowCluster.StartEmbeddedAsync();
/// var result = await cluster.RunAsync(job, new Progress&lt;JobProgress&gt;(p => Console.WriteLine(p.Done)));
/// </code>
/// </example>
public static partial class Job
{
}
