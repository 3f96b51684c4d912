using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;
using Dataflow.Nqs;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Dataflow;

/// <summary><c>nqs</c> as a job: logical samplers and cost-balanced evaluators on the stages.</summary>
/// <remarks>Determinism: the energy history is bitwise the same for any number of logical samplers (the multinomial
/// splits draw from streams keyed by prefix, and decoding batches are whole blocks of rows, so a prefix's
/// probabilities do not depend on its batch), on any number of nodes, and for any number of evaluators (ranges are
/// cut at the gradient chunk and gradients summed in fixed point); it is the single-process loop's, bit for bit.</remarks>
public sealed class NqsWorkloadSpec(ITestOutputHelper output)
{
    [Fact]
    public async Task Iterations_equal_the_single_process_loop_bitwise_for_any_number_of_evaluators()
    {
        var fcidump = BundledMolecules.Load("lih");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        NqsResult? first = null;
        foreach (var evaluators in new[] { 1, 3 })
        {
            var job = Job.Nqs().Fcidump(BundledMolecules.Path("lih")).Iterations(30).Workers(1, evaluators).Build();
            var result = (await cluster.RunAsync(job)).As<NqsResult>();
            output.WriteLine($"{evaluators} evaluators: E {result.Energy:F8} after {result.Iterations} iterations, {result.Seconds:F1} s");
            if (first is null)
            {
                var reference = VmcOptimizer.Run(fcidump, job.Spec.Options());
                Assert.Equal(reference.History.Select(h => h.EnergyHartree), result.History.Select(h => h.Energy));
                first = result;
            }
            Assert.Equal(first.History.Select(h => h.Energy), result.History.Select(h => h.Energy));
            Assert.Equal(30, result.Iterations);
        }
    }

    [Fact]
    public async Task The_history_does_not_depend_on_the_number_of_logical_samplers()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var histories = new List<double[]>();
        foreach (var samplers in new[] { 1, 3, 4 })
        {
            var job = Job.Nqs().Fcidump(BundledMolecules.Path("lih")).Iterations(20).Workers(samplers, 2).Build();
            var result = (await cluster.RunAsync(job)).As<NqsResult>();
            output.WriteLine($"{samplers} samplers: E {result.Energy:F10}");
            histories.Add(result.History.Select(h => h.Energy).ToArray());
        }
        Assert.Equal(histories[0], histories[1]);
        Assert.Equal(histories[0], histories[2]);
    }

    [Fact]
    public async Task A_cancelled_run_resumed_from_its_checkpoint_directory_gives_the_uninterrupted_history()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-nqs-resume-");
        try
        {
            await using var cluster = await DataflowCluster.StartEmbeddedAsync();
            NqsJobBuilder Job20() => Job.Nqs().Fcidump(BundledMolecules.Path("lih")).Iterations(20).Workers(2, 2);
            var whole = (await cluster.RunAsync(Job20().Build())).As<NqsResult>();

            var resumable = Job20().Checkpoints(5, dir.FullName).Build();
            using var cancel = new CancellationTokenSource();
            var progress = new SynchronousProgress(p =>
            {
                if (p.Done >= 12)
                {
                    cancel.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cluster.RunAsync(resumable, progress, cancel.Token));
            var saved = global::Dataflow.Actors.Nqs.NqsCheckpoint.Load(dir.FullName);
            Assert.NotNull(saved);
            Assert.InRange(saved.Iteration, 10, 15);
            // The cancelled job may still write one more checkpoint while it stops: wait for the driver to end.
            await Task.Delay(1000);

            var resumed = (await cluster.RunAsync(resumable)).As<NqsResult>();
            Assert.Equal(whole.History.Select(h => h.Energy), resumed.History.Select(h => h.Energy));
            Assert.Equal(whole.Energy, resumed.Energy);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private sealed class SynchronousProgress(Action<global::Dataflow.Actors.Runtime.JobProgress> report) : IProgress<global::Dataflow.Actors.Runtime.JobProgress>
    {
        public void Report(global::Dataflow.Actors.Runtime.JobProgress value) => report(value);
    }

    [Fact]
    public async Task Default_run_of_h2_reaches_chemical_accuracy_through_the_actors()
    {
        var reference = BundledMolecules.Reference("h2").FciEnergyHartree;
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var job = Job.Nqs().Fcidump(BundledMolecules.Path("h2")).Iterations(150).Reference(reference).Build();
        var result = (await cluster.RunAsync(job)).As<NqsResult>();
        output.WriteLine($"h2: E {result.Energy:F8}, error {result.Error! * 1e3:F3} mHa, {result.Seconds:F1} s");
        // Reference: Psi4 1.3.2 FCI (Kernels/Quantum/Data/molecules.json); chemical accuracy 1.6 mHa.
        Assert.InRange(result.Error!.Value, -1e-6, 1.6e-3);
        Assert.Equal(150, result.History.Length);
    }
}
