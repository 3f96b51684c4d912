using System.Diagnostics;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Har;
using static TorchSharp.torch;

namespace Dataflow.Actors.Har;

/// <summary>The recogniser stage: keeps the last <see cref="HarGeometry.WindowPairs"/> feature maps and classifies the
/// window at every frame once it is full (before that, and after a gap, it passes the frame on unrecognised).</summary>
internal sealed class HarRecogniser : HarRoleActor
{
    private readonly HarModel _model;
    private readonly Queue<float[]> _window = new();

    public HarRecogniser(HarRoleContext context) : base(context)
    {
        TorchRuntime.EnsureLoaded(context.Job.Threads);
        _model = HarModel.FromBytes(context.Job.Model, context.Job.ModelName);
        Receive<HarFeatureMap>(OnMap);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _model.Dispose();
        base.PostStop();
    }

    private void OnMap(HarFeatureMap m)
    {
        Arrived();
        var clock = Stopwatch.StartNew();
        if (m.Map.Length == 0)
        {
            _window.Clear();
        }
        else
        {
            _window.Enqueue(m.Map);
            if (_window.Count > HarGeometry.WindowPairs)
            {
                _window.Dequeue();
            }
        }
        var (predicted, confidence) = (-1, 0f);
        if (_window.Count == HarGeometry.WindowPairs)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var input = tensor(_window.SelectMany(x => x).ToArray(),
                [1, HarGeometry.WindowPairs, 2, HarGeometry.FeatureHeight, HarGeometry.FeatureWidth]);
            var probabilities = nn.functional.softmax(_model.Recogniser.forward(input), 1);
            var best = probabilities.argmax(1);
            predicted = (int)best.item<long>();
            confidence = probabilities[0, predicted].item<float>();
        }
        Emit(new HarRecognition(Role.JobId, Role.Assign.Generation, m.Index, m.CaptureTicks, m.Label, predicted, confidence,
            DateTime.UtcNow.Ticks), m.SentTicks, clock.Elapsed.TotalMilliseconds);
    }
}
