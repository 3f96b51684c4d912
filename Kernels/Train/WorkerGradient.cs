using MessagePack;

namespace Dataflow.Kernels.Train;

/// <summary>What one logical worker returns for one step: its mean-over-batch gradient (flat, in
/// parameter-vector order), its batch loss and its state for the next step.</summary>
/// <param name="WorkerId">Logical worker that computed it.</param>
/// <param name="Gradient">Gradient of the mean cross-entropy over the worker's batch.</param>
/// <param name="Loss">Mean cross-entropy over the batch, in nats (computed in single precision).</param>
/// <param name="Samples">Samples in the batch.</param>
/// <param name="Next">The worker's state after this step.</param>
[MessagePackObject]
public sealed record WorkerGradient(
    [property: Key(0)] int WorkerId,
    [property: Key(1)] float[] Gradient,
    [property: Key(2)] double Loss,
    [property: Key(3)] int Samples,
    [property: Key(4)] LogicalWorkerState Next);
