using Dataflow.Train;

namespace Dataflow;

/// <summary>Entry point of the job DSL: one builder per workload.</summary>
/// <example>
/// <code>
/// var job = Job.Train().Model(TrainModelKind.Mlp).LogicalWorkers(4).Steps(100).Seed(7).Build();
/// await using var cluster = await DataflowCluster.StartEmbeddedAsync();
/// var result = await cluster.RunAsync(job, new Progress&lt;JobProgress&gt;(p => Console.WriteLine(p.Done)));
/// </code>
/// </example>
public static class Job
{
    /// <summary>Elastic, deterministic data-parallel training (EasyScale).</summary>
    public static TrainJobBuilder Train() => new();

    /// <summary>The exact ground-state energy of an FCIDUMP Hamiltonian (full configuration interaction).</summary>
    public static Fci.FciJobBuilder Fci() => new();

    /// <summary>A molecular-dynamics job (<c>md</c>).</summary>
    public static Md.MdJobBuilder Md() => new();

    /// <summary>A neural-network quantum state job (<c>nqs</c>).</summary>
    public static Nqs.NqsJobBuilder Nqs() => new();
}
