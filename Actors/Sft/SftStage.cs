using System.Diagnostics;
using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Sft;

namespace Dataflow.Actors.Sft;

/// <summary>An <c>sft</c> job's chunk scheduler on one node: for each logical worker (trainer) placed here it builds
/// the step's chunks under the job's schedule and runs them forward and backward.</summary>
/// <remarks>
/// Runs on the compute dispatcher; each trainer's gradient is computed synchronously inside this handler (TorchSharp
/// dispose scopes are thread-static), one trainer after another on one model instance, with the job's fixed libtorch
/// thread count. The process's resident high-water mark is reset when the stage starts, so the peak each reply
/// carries is this job's.
/// </remarks>
public sealed class SftStage : ReceiveActor
{
    private readonly string _node;
    private readonly SftJobSpec _job;
    private readonly StageTelemetry _telemetry;
    private readonly CancellationToken _cancel;
    private SftTrainer? _trainer;

    /// <summary>Creates the stage for <paramref name="spec"/> on node <paramref name="node"/>.</summary>
    public SftStage(JobSpec spec, string node)
    {
        _node = node;
        _job = Workload.Decode<SftJobSpec>(spec);
        _telemetry = new StageTelemetry(spec.JobId, "sft", Self.Path.Name, node, spec.Workload);
        _cancel = StageCancellation.Get(Context.System).For(spec.JobId);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        PeakMemory.ResetPeak();
        Receive<SftWork>(Compute);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _telemetry.Dispose();
        _trainer?.Dispose();
    }

    private void Compute(SftWork work)
    {
        using var busy = _telemetry.MeasureMessage();
        _telemetry.AddBytesIn(sizeof(float) * (long)work.Parameters.Length);
        var sw = Stopwatch.StartNew();
        try
        {
            TorchRuntime.EnsureLoaded(_job.Settings.IntraOpThreads);
            _trainer ??= new SftTrainer(_job.Settings);
            var results = new SftGradient[work.Workers.Length];
            var driver = Sender;
            for (var i = 0; i < results.Length; i++)
            {
                _cancel.ThrowIfCancellationRequested();
                var worker = work.Workers[i];
                results[i] = _trainer.Compute(work.Parameters, _job.Corpus, work.Step, worker,
                    items => driver.Tell(new SftStepProgress(work.JobId, work.Generation, work.Step, worker, items)));
                _telemetry.AddItems(results[i].Tokens);
            }
            var seconds = sw.Elapsed.TotalSeconds;
            _telemetry.AddBytesOut(results.Sum(r => sizeof(float) * (long)r.Gradient.Length));
            Sender.Tell(new SftGradients(work.JobId, work.Generation, work.Step, _node, results, seconds));
            Context.Parent.Tell(new StageThroughput(results.Length, seconds));
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            // The job ended or the node is leaving: nobody waits for this step.
        }
        catch (Exception e)
        {
            Sender.Tell(new SftStageFailed(work.JobId, work.Generation, work.Step, _node, e.Message));
            throw;
        }
    }
}
