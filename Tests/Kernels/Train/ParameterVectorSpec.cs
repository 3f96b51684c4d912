using Dataflow.Kernels.Train;
using TorchSharp;
using Xunit;

namespace Dataflow.Tests.Kernels.Train;

public sealed class ParameterVectorSpec
{
    [Theory]
    [InlineData(TrainModelKind.Mlp, 6922)]
    [InlineData(TrainModelKind.Cnn, 2790)]
    public void Layout_matches_the_modules_named_parameters(TrainModelKind kind, int expectedCount)
    {
        var settings = new TrainSettings(kind, LogicalWorkers: 1, Seed: 1);
        using var network = TrainModels.Create(settings);
        var actual = network.named_parameters().Select(p => (p.name, string.Join('x', p.parameter.shape))).ToArray();
        var expected = TrainModels.Shapes(kind).Select(s => (s.Name, string.Join('x', s.Shape))).ToArray();
        Assert.Equal(expected, actual);
        Assert.Equal(expectedCount, TrainModels.ParameterCount(kind));
        Assert.Equal(expectedCount, ParameterVector.Count(network));
    }

    [Theory]
    [InlineData(TrainModelKind.Mlp)]
    [InlineData(TrainModelKind.Cnn)]
    public void Parameters_round_trip_through_the_flat_vector(TrainModelKind kind)
    {
        var settings = new TrainSettings(kind, LogicalWorkers: 1, Seed: 9);
        using var network = TrainModels.Create(settings);
        var values = TrainModels.InitialParameters(settings);
        ParameterVector.Load(network, values);
        Assert.Equal(values, ParameterVector.Get(network));

        // The flat order is named_parameters() order, each tensor row-major: check one element per tensor.
        var byName = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var shape in TrainModels.Shapes(kind))
        {
            var tensor = byName[shape.Name];
            var last = shape.Length - 1;
            Assert.Equal(values[shape.Offset + last], tensor.reshape(-1)[last].item<float>());
        }
        Assert.Throws<ArgumentException>(() => ParameterVector.Load(network, values.AsSpan(1)));
    }

    [Fact]
    public void Initial_parameters_are_seeded_and_within_the_fan_in_bound()
    {
        var settings = new TrainSettings(TrainModelKind.Mlp, LogicalWorkers: 1, Seed: 4);
        var a = TrainModels.InitialParameters(settings);
        Assert.Equal(a, TrainModels.InitialParameters(settings));
        Assert.NotEqual(a, TrainModels.InitialParameters(settings with { Seed = 5 }));
        foreach (var shape in TrainModels.Shapes(TrainModelKind.Mlp))
        {
            var bound = 1.0 / Math.Sqrt(shape.FanIn);
            var slice = a.AsSpan(shape.Offset, shape.Length).ToArray();
            Assert.All(slice, x => Assert.InRange(x, -bound, bound));
            // Uniform on [-b, b] has variance b^2 / 3.
            var variance = slice.Select(x => (double)x * x).Average();
            Assert.InRange(variance, 0.6 * bound * bound / 3, 1.4 * bound * bound / 3);
        }
    }

    [Fact]
    public void Gradients_come_out_in_parameter_order()
    {
        var settings = new TrainSettings(TrainModelKind.Mlp, LogicalWorkers: 1, Seed: 2);
        using var network = TrainModels.Create(settings);
        using var scope = torch.NewDisposeScope();
        ParameterVector.Load(network, TrainModels.InitialParameters(settings));
        // d/dp sum_k p_k^2 * (k + 1) over the flat vector is 2 (k + 1) p_k.
        var flat = torch.cat(network.parameters().Select(p => p.reshape(-1)).ToArray());
        var weights = torch.arange(1, flat.shape[0] + 1, dtype: torch.float32);
        (flat.square() * weights).sum().backward();
        var gradient = ParameterVector.Gradients(network);
        var values = ParameterVector.Get(network);
        for (var k = 0; k < values.Length; k += 97)
        {
            Assert.Equal(2f * (k + 1) * values[k], gradient[k], 1e-4f * (k + 1));
        }
    }
}
