using Dataflow.Kernels.Train;
using TorchSharp;
using Xunit;

namespace Dataflow.Tests.Kernels.Train;

public sealed class GradientWorkerSpec
{
    private static TrainSettings Settings(TrainModelKind kind) =>
        new(kind, LogicalWorkers: 4, Seed: 2024, BatchPerWorker: 8, Dropout: 0.2f, DatasetSize: 256);

    [Theory]
    [InlineData(TrainModelKind.Mlp)]
    [InlineData(TrainModelKind.Cnn)]
    public void Independent_instances_and_repeated_calls_give_identical_bytes(TrainModelKind kind)
    {
        var settings = Settings(kind);
        var parameters = TrainModels.InitialParameters(settings);
        var state = LogicalWorkerState.Initial(settings, 2);
        using var first = new GradientWorker(settings);
        using var second = new GradientWorker(settings);

        var a = first.Compute(parameters, state);
        // Another worker's call in between must leave nothing behind in the shared network or generator.
        first.Compute(parameters, LogicalWorkerState.Initial(settings, 1));
        var b = first.Compute(parameters, state);
        var c = second.Compute(parameters, state);

        Assert.Equal(Bits(a.Gradient), Bits(b.Gradient));
        Assert.Equal(Bits(a.Gradient), Bits(c.Gradient));
        Assert.Equal(a.Loss, c.Loss);
        Assert.Equal(a.Next, c.Next);
        Assert.Equal(new LogicalWorkerState(2, 0, 8, a.Next.RngState), a.Next);
        Assert.NotEqual(state.RngState, a.Next.RngState);   // dropout consumed the stream
        Assert.Equal(settings.BatchPerWorker, a.Samples);
    }

    [Theory]
    [InlineData(TrainModelKind.Mlp)]
    [InlineData(TrainModelKind.Cnn)]
    public void Different_workers_and_different_random_states_give_different_gradients(TrainModelKind kind)
    {
        var settings = Settings(kind);
        var parameters = TrainModels.InitialParameters(settings);
        using var worker = new GradientWorker(settings);
        var w0 = LogicalWorkerState.Initial(settings, 0);
        var w1 = LogicalWorkerState.Initial(settings, 1);
        Assert.NotEqual(w0.RngState, w1.RngState);

        var g0 = worker.Compute(parameters, w0).Gradient;
        var g1 = worker.Compute(parameters, w1).Gradient;
        // Same batch, other generator state: only the dropout mask (and augmentation) differ.
        var g0OtherStream = worker.Compute(parameters, w0 with { RngState = w1.RngState }).Gradient;
        Assert.NotEqual(Bits(g0), Bits(g1));
        Assert.NotEqual(Bits(g0), Bits(g0OtherStream));
    }

    [Fact]
    public void Gradients_do_not_touch_the_global_torch_generator()
    {
        var settings = Settings(TrainModelKind.Cnn);
        var parameters = TrainModels.InitialParameters(settings);
        var state = LogicalWorkerState.Initial(settings, 3);
        using var worker = new GradientWorker(settings);
        torch.manual_seed(1);
        var a = worker.Compute(parameters, state);
        torch.manual_seed(2);
        var b = worker.Compute(parameters, state);
        Assert.Equal(Bits(a.Gradient), Bits(b.Gradient));
    }

    [Theory]
    [InlineData(TrainModelKind.Mlp)]
    [InlineData(TrainModelKind.Cnn)]
    public void Gradient_matches_central_finite_differences_of_the_loss(TrainModelKind kind)
    {
        // Dropout 0 makes the loss a smooth function of the parameters away from ReLU and max-pool kinks.
        var settings = Settings(kind) with { Dropout = 0f, BatchPerWorker = 4 };
        var parameters = TrainModels.InitialParameters(settings);
        var state = LogicalWorkerState.Initial(settings, 1);
        using var worker = new GradientWorker(settings);
        var gradient = worker.Compute(parameters, state).Gradient;

        // The largest components of every parameter tensor, so a mis-ordered or mis-scaled gradient fails.
        // Step 5e-4: single-precision loss noise (~2e-7) gives ~2e-4 error, and few ReLU/max-pool kinks lie
        // within the step.
        const float step = 5e-4f;
        var report = new List<string>();
        var failures = 0;
        foreach (var shape in TrainModels.Shapes(kind))
        {
            var largest = Enumerable.Range(shape.Offset, shape.Length)
                .OrderByDescending(j => Math.Abs(gradient[j])).Take(3);
            foreach (var j in largest)
            {
                var plus = (float[])parameters.Clone();
                var minus = (float[])parameters.Clone();
                plus[j] += step;
                minus[j] -= step;
                var difference = (worker.Compute(plus, state).Loss - worker.Compute(minus, state).Loss)
                    / ((double)plus[j] - minus[j]);
                var ok = Math.Abs(difference - gradient[j]) <= 2e-3 + 2e-2 * Math.Abs(gradient[j]);
                failures += ok ? 0 : 1;
                report.Add($"{shape.Name}[{j - shape.Offset}]: backward {gradient[j]:G6}, finite difference {difference:G6}");
            }
        }
        Assert.True(failures == 0 && report.Count == 18, string.Join(Environment.NewLine, report));
    }

    [Fact]
    public void Rejects_foreign_states_and_wrong_parameter_vectors()
    {
        var settings = Settings(TrainModelKind.Mlp);
        var parameters = TrainModels.InitialParameters(settings);
        var state = LogicalWorkerState.Initial(settings, 0);
        using var worker = new GradientWorker(settings);
        Assert.Throws<ArgumentException>(() => worker.Compute(parameters, state with { WorkerId = 4 }));
        Assert.Throws<ArgumentException>(() => worker.Compute(parameters, state with { RngState = [1, 2, 3] }));
        var unseeded = (byte[])state.RngState.Clone();
        Array.Clear(unseeded, 8, 8);   // left = 0, seeded = 0: libtorch would abort the process on it
        Assert.Throws<ArgumentException>(() => worker.Compute(parameters, state with { RngState = unseeded }));
        Assert.Throws<ArgumentException>(() => worker.Compute(parameters.AsSpan(1), state));
        // The worker is still usable after a rejected call.
        Assert.Equal(Bits(worker.Compute(parameters, state).Gradient), Bits(worker.Compute(parameters, state).Gradient));
    }

    internal static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
