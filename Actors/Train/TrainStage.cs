using System.Diagnostics;
using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Telemetry;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;

namespace Dataflow.Actors.Train;

/// <summary>A <c>train</c> job's stage on one node: computes the gradients of the logical workers placed here.</summary>
/// <remarks>
/// Runs on the compute dispatcher. Each logical worker's gradient is computed synchronously inside this
/// handler (TorchSharp dispose scopes are thread-static), with up to <c>dataflow.compute-threads</c> workers in
/// parallel, each on its own model instance; libtorch uses the job's fixed intra-op thread count.
/// </remarks>
public sealed class TrainStage : ReceiveActor
{
    private readonly string _node;
    private readonly TrainSettings _settings;
    private readonly int _parallelism;
    private readonly List<GradientWorker> _workers = [];
    private readonly StageTelemetry _telemetry;
    private readonly CancellationToken _cancel;

    /// <summary>Creates the stage for <paramref name="spec"/> on node <paramref name="node"/>.</summary>
    public TrainStage(JobSpec spec, string node)
    {
        _node = node;
        _settings = Workload.Decode<TrainJobSpec>(spec).Settings;
        var configured = DataflowSettings.Get(Context.System).ComputeThreads;
        _parallelism = configured > 0
            ? configured
            : Math.Max(1, Environment.ProcessorCount / Math.Max(1, _settings.IntraOpThreads));
        _telemetry = new StageTelemetry(spec.JobId, "train", Self.Path.Name, node, spec.Workload);
        _cancel = StageCancellation.Get(Context.System).For(spec.JobId);
        _telemetry.SetMailboxDepth(MailboxDepth.ReaderFor(Context));
        Receive<TrainWork>(Compute);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _telemetry.Dispose();
        foreach (var w in _workers)
        {
            w.Dispose();
        }
        _workers.Clear();
    }

    private void Compute(TrainWork work)
    {
        using var busy = _telemetry.MeasureMessage();
        _telemetry.AddBytesIn(sizeof(float) * (long)work.Parameters.Length * work.Workers.Length
            + work.Workers.Sum(w => (long)w.RngState.Length));
        var sw = Stopwatch.StartNew();
        try
        {
            TorchRuntime.EnsureLoaded(_settings.IntraOpThreads);
            var slots = Math.Min(_parallelism, work.Workers.Length);
            while (_workers.Count < slots)
            {
                _workers.Add(new GradientWorker(_settings));
            }
            var results = new WorkerGradient[work.Workers.Length];
            if (slots == 1)
            {
                for (var i = 0; i < results.Length; i++)
                {
                    _cancel.ThrowIfCancellationRequested();
                    results[i] = _workers[0].Compute(work.Parameters, work.Workers[i]);
                }
            }
            else
            {
                // Slot s computes items s, s+slots, ...: every item on exactly one model instance.
                Parallel.For(0, slots, new ParallelOptions { MaxDegreeOfParallelism = slots, CancellationToken = _cancel }, s =>
                {
                    for (var i = s; i < results.Length; i += slots)
                    {
                        _cancel.ThrowIfCancellationRequested();
                        results[i] = _workers[s].Compute(work.Parameters, work.Workers[i]);
                    }
                });
            }
            var seconds = sw.Elapsed.TotalSeconds;
            _telemetry.AddItems(results.Length);
            _telemetry.AddBytesOut(results.Sum(r => sizeof(float) * (long)r.Gradient.Length));
            Sender.Tell(new TrainGradients(work.JobId, work.Generation, work.Step, _node, results, seconds));
            Context.Parent.Tell(new StageThroughput(results.Length, seconds));
        }
        catch (Exception e) when (e is OperationCanceledException or AggregateException && _cancel.IsCancellationRequested)
        {
            // The job ended or the node is leaving: nobody waits for this step.
        }
        catch (Exception e)
        {
            Sender.Tell(new TrainStageFailed(work.JobId, work.Generation, work.Step, _node, e.Message));
            throw;
        }
    }
}
