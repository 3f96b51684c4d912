using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Actors.Fci;

/// <summary>Builds the sparse Hamiltonian of an FCI job and finds its ground state, on the compute dispatcher.</summary>
public sealed class FciStage : ReceiveActor
{
    private readonly StageTelemetry _telemetry;

    /// <summary>Creates the stage for <paramref name="spec"/> on node <paramref name="node"/>.</summary>
    public FciStage(JobSpec spec, string node)
    {
        var job = Workload.Decode<FciJobSpec>(spec);
        _telemetry = new StageTelemetry(spec.JobId, "fci", Self.Path.Name, node);
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
                // starves, which the actor system (heartbeats, this node's agent) needs. Rows are independent: same bits.
                var options = new DavidsonOptions
                {
                    EnergyToleranceHartree = job.Tolerance,
                    MaxDegreeOfParallelism = Environment.ProcessorCount,
                };
                // 64-bit determinants hold 32 spatial orbitals; wider systems use the 128-bit type.
                var (energy, dimension, nonZeros, iterations, residual, build, solve) = fcidump.OrbitalCount <= 32
                    ? Summarise(FullCi.Solve<Determinant64>(fcidump, options, cancel))
                    : Summarise(FullCi.Solve<Determinant128>(fcidump, options, cancel));
                _telemetry.AddItems(dimension);
                Sender.Tell(new FciSolved(work.JobId, work.Generation, node, energy, dimension, nonZeros, iterations,
                    residual, build, solve));
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

    private static (double, long, long, int, double, double, double) Summarise<T>(FullCiResult<T> r)
        where T : unmanaged, IDeterminant<T> =>
        (r.EnergyHartree, r.Coefficients.Length, r.NonZeroCount, r.Iterations, r.ResidualNorm,
            r.BuildTime.TotalSeconds, r.SolveTime.TotalSeconds);
}
