using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Actors.Fci;

/// <summary>Finds the lowest states of an FCI job by direct CI on the compute dispatcher, reporting every Davidson
/// iteration.</summary>
public sealed class FciStage : ReceiveActor
{
    private readonly StageTelemetry _telemetry;

    /// <summary>Creates the stage for <paramref name="spec"/> on node <paramref name="node"/>.</summary>
    public FciStage(JobSpec spec, string node)
    {
        var job = Workload.Decode<FciJobSpec>(spec);
        _telemetry = new StageTelemetry(spec.JobId, "fci", Self.Path.Name, node, spec.Workload);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        // Cancelled when the job ends or the node shuts down: the build and Davidson stop within a few rows.
        var cancel = StageCancellation.Get(Context.System).For(spec.JobId);
        Receive<FciWork>(work =>
        {
            using var busy = _telemetry.MeasureMessage();
            try
            {
                var fcidump = FcidumpReader.ParseText(job.FcidumpText, job.SourceName);
                // One thread per core: an unbounded loop would also take the threads the thread pool adds when it
                // starves, which the actor system (heartbeats, this node's agent) needs. Every sigma element is summed
                // by one thread in a fixed order: the same bits for any thread count.
                var options = job.SolverOptions(Environment.ProcessorCount);
                var size = DirectFullCi.Estimate(fcidump, options);
                var available = job.MaxMemoryBytes ?? FciMemory.Available();
                if (size.MemoryBytes > available)
                {
                    Sender.Tell(new FciFailed(work.JobId, work.Generation, node, FciMemory.Refusal(size, available)));
                    return;
                }
                var driver = Sender;
                // Every Davidson iteration of the direct solver (the explicit sparse matrix is no longer built: the
                // direct product is as fast on the bundled molecules and needs a few CI vectors, not the matrix).
                var result = DirectFullCi.Solve(fcidump, options, p => driver.Tell(new FciIteration(work.JobId, work.Generation,
                    p.Iteration, p.EnergiesHartree[0], p.Residuals.Max(), p.Elapsed.TotalSeconds)), cancel);
                _telemetry.AddItems(result.Determinants);
                var ground = result.Roots[0];
                driver.Tell(new FciSolved(work.JobId, work.Generation, node, ground.EnergyHartree, result.Determinants, 0,
                    result.Iterations, ground.ResidualNorm, 0, result.Elapsed.TotalSeconds,
                    [.. result.Roots.Select(r => r.EnergyHartree)], [.. result.Roots.Select(r => r.SpinSquared)],
                    [.. result.Roots.Select(r => r.Irrep)], result.PeakMemoryBytes));
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // The job ended or the node is leaving: nobody waits for this result (a leaving node's job is re-placed).
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException
                                          or OutOfMemoryException)
            {
                Sender.Tell(new FciFailed(work.JobId, work.Generation, node, e.Message));
            }
        });
    }

    /// <inheritdoc />
    protected override void PostStop() => _telemetry.Dispose();
}
