using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md.DeepPotential;

namespace Dataflow.Actors.DpTrain;

/// <summary>A <c>dp-train</c> job's stage on one node: the gradients of the logical workers placed here.</summary>
/// <remarks>Runs on the compute dispatcher; each gradient is computed synchronously inside the handler (TorchSharp's
/// dispose scopes are thread-static), workers in the order given.</remarks>
public sealed class DpTrainStage : ReceiveActor
{
    private DpTrainer? _trainer;

    /// <summary>Creates the stage; its trainer (neighbour lists, statistics) is built on the first work.</summary>
    public DpTrainStage(JobSpec spec)
    {
        var job = Workload.Decode<DpTrainJobSpec>(spec);
        Receive<DpTrainWork>(work =>
        {
            try
            {
                _trainer ??= new DpTrainer(job.Settings, job.Training.Select(s => s.ToSystem()).ToArray());
                var gradients = new double[work.Workers.Length][];
                var losses = new double[work.Workers.Length];
                for (var k = 0; k < work.Workers.Length; k++)
                {
                    (gradients[k], losses[k]) = _trainer.WorkerGradient(work.Step, work.Workers[k], work.Parameters);
                }
                Sender.Tell(new DpTrainGradients(work.JobId, work.Generation, work.Step, work.Workers, gradients, losses));
            }
            catch (Exception e)
            {
                Sender.Tell(new DpTrainStageFailed(work.JobId, work.Generation, work.Step, e.Message));
            }
        });
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _trainer?.Dispose();
        base.PostStop();
    }
}
