namespace Dataflow.Kernels.Train;

/// <summary>The networks of the <c>train</c> workload: their parameter layout, deterministic initial
/// weights, and construction.</summary>
public static class TrainModels
{
    private const ulong InitPurpose = 0x696E697469616C21UL;   // "initial!"

    private static readonly ParameterShape[] s_mlp = Layout(
        ("fc1.weight", [TrainMlp.Hidden, SyntheticDataset.MlpInputs], SyntheticDataset.MlpInputs),
        ("fc1.bias", [TrainMlp.Hidden], SyntheticDataset.MlpInputs),
        ("fc2.weight", [TrainMlp.Hidden, TrainMlp.Hidden], TrainMlp.Hidden),
        ("fc2.bias", [TrainMlp.Hidden], TrainMlp.Hidden),
        ("fc3.weight", [SyntheticDataset.MlpClasses, TrainMlp.Hidden], TrainMlp.Hidden),
        ("fc3.bias", [SyntheticDataset.MlpClasses], TrainMlp.Hidden));

    private static readonly ParameterShape[] s_cnn = Layout(
        ("conv1.weight", [TrainCnn.Channels1, 1, 3, 3], 9),
        ("conv1.bias", [TrainCnn.Channels1], 9),
        ("conv2.weight", [TrainCnn.Channels2, TrainCnn.Channels1, 3, 3], TrainCnn.Channels1 * 9),
        ("conv2.bias", [TrainCnn.Channels2], TrainCnn.Channels1 * 9),
        ("fc.weight", [SyntheticDataset.CnnClasses, TrainCnn.Flattened], TrainCnn.Flattened),
        ("fc.bias", [SyntheticDataset.CnnClasses], TrainCnn.Flattened));

    /// <summary>Parameter tensors of <paramref name="kind"/> in <c>named_parameters()</c> order, the order of
    /// the flat vector.</summary>
    public static IReadOnlyList<ParameterShape> Shapes(TrainModelKind kind) => kind switch
    {
        TrainModelKind.Mlp => s_mlp,
        TrainModelKind.Cnn => s_cnn,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown model kind"),
    };

    /// <summary>Length of the flat parameter vector of <paramref name="kind"/> (MLP 6922, CNN 2790).</summary>
    public static int ParameterCount(TrainModelKind kind)
    {
        var last = Shapes(kind)[^1];
        return last.Offset + last.Length;
    }

    /// <summary>Initial flat parameters: every element uniform in +-1/sqrt(fanIn), drawn with
    /// <see cref="CounterRandom"/> from (seed, tensor index, element index); no torch call.</summary>
    /// <remarks>The bound is PyTorch's default for <c>nn.Linear</c> and <c>nn.Conv2d</c> biases, and equals
    /// its Kaiming-uniform(a = sqrt 5) weight bound.</remarks>
    public static float[] InitialParameters(TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var shapes = Shapes(settings.Model);
        var result = new float[ParameterCount(settings.Model)];
        for (var t = 0; t < shapes.Count; t++)
        {
            var shape = shapes[t];
            var key = CounterRandom.Key(settings.Seed, InitPurpose, (long)settings.Model, t);
            var bound = 1.0 / Math.Sqrt(shape.FanIn);
            for (var j = 0; j < shape.Length; j++)
            {
                result[shape.Offset + j] = (float)(bound * (2.0 * CounterRandom.Uniform(key, (ulong)j) - 1.0));
            }
        }
        return result;
    }

    /// <summary>Builds an untrained network of <c>settings.Model</c> (loads libtorch first).</summary>
    public static TrainNetwork Create(TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Compute.TorchRuntime.EnsureLoaded(settings.IntraOpThreads);
        return settings.Model switch
        {
            TrainModelKind.Mlp => new TrainMlp(settings.Dropout),
            TrainModelKind.Cnn => new TrainCnn(settings.Dropout),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Model, "unknown model kind"),
        };
    }

    private static ParameterShape[] Layout(params (string Name, long[] Shape, int FanIn)[] tensors)
    {
        var result = new ParameterShape[tensors.Length];
        var offset = 0;
        for (var i = 0; i < tensors.Length; i++)
        {
            result[i] = new ParameterShape(tensors[i].Name, tensors[i].Shape, tensors[i].FanIn, offset);
            offset += result[i].Length;
        }
        return result;
    }
}
