using System.Globalization;

namespace Dataflow.Kernels.Tune;

/// <summary>One tuning task: an anchor operator at fixed shapes, as a subgraph of a model, with the operators fused
/// around it and how many times the model runs it.</summary>
/// <param name="Name">Where the model uses it, e.g. <c>layer2.0.conv1</c>.</param>
/// <param name="Operator">The anchor operator, the one the tunable kernel computes.</param>
/// <param name="Shape">The operator's shape in the order <see cref="TuneOperator"/> documents.</param>
/// <param name="Ops">The subgraph's operator sequence, anchor first (<c>conv2d, bias_add, relu</c>): the key of the
/// op-sequence family.</param>
/// <param name="Weight">Times one forward pass of the model runs this task.</param>
public sealed record TuneTask(string Name, TuneOperator Operator, int[] Shape, string[] Ops, int Weight = 1)
{
    /// <summary>The operator and shape, <c>conv2d[1x64x56x56x64x3x3x1x1]</c>: tasks with equal keys are the same work.</summary>
    public string Key => $"{OperatorName(Operator)}[{string.Join('x', Shape.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]";

    /// <summary>The operator's short name as logs and JSON print it.</summary>
    public static string OperatorName(TuneOperator op) => op switch
    {
        TuneOperator.Dense => "dense",
        TuneOperator.Conv2d => "conv2d",
        TuneOperator.DepthwiseConv2d => "depthwise_conv2d",
        TuneOperator.Softmax => "softmax",
        TuneOperator.Reduction => "reduction",
        TuneOperator.LennardJonesPair => "lj_pair",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    /// <summary>Parses <see cref="OperatorName"/>.</summary>
    public static TuneOperator ParseOperator(string name) =>
        Enum.GetValues<TuneOperator>().FirstOrDefault(op => OperatorName(op) == name, (TuneOperator)(-1)) is var op && (int)op >= 0
            ? op
            : throw new FormatException($"unknown operator '{name}' (expected {string.Join(", ", Enum.GetValues<TuneOperator>().Select(OperatorName))})");

    /// <summary>Parses <see cref="Key"/> (<c>dense[128x256x64]</c>) into a task named after it, its shape checked as
    /// <see cref="Validate"/> does.</summary>
    /// <exception cref="FormatException">The text is not a task key, or its shape does not fit its operator.</exception>
    public static TuneTask ParseKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open <= 0 || !key.EndsWith(']'))
        {
            throw new FormatException($"'{key}' is not a task key (expected operator[size x size ...], e.g. dense[128x256x64])");
        }
        var op = ParseOperator(key[..open]);
        var shape = new List<int>();
        foreach (var part in key[(open + 1)..^1].Split('x'))
        {
            shape.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new FormatException($"'{key}' is not a task key: bad size '{part}'"));
        }
        var task = new TuneTask(key, op, [.. shape], [OperatorName(op)]);
        try
        {
            task.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{key}': {e.Message}", e);
        }
        return task;
    }

    /// <summary>The convolution shape of a conv2d or depthwise task.</summary>
    public ConvShape Conv => Operator switch
    {
        TuneOperator.Conv2d => new(Shape[0], Shape[1], Shape[2], Shape[3], Shape[4], Shape[5], Shape[6], Shape[7], Shape[8]),
        TuneOperator.DepthwiseConv2d => new(Shape[0], Shape[1], Shape[2], Shape[3], Shape[1], Shape[4], Shape[5], Shape[6], Shape[7]),
        _ => throw new InvalidOperationException($"{Key} is not a convolution"),
    };

    /// <summary>Floating-point operations of one run (multiply and add counted apart).</summary>
    public double Flops => Operator switch
    {
        TuneOperator.Dense => 2.0 * Shape[0] * Shape[1] * Shape[2],
        TuneOperator.Conv2d => 2.0 * Conv.Batch * Conv.Filters * Conv.OutHeight * Conv.OutWidth * Conv.Channels * Conv.KernelHeight * Conv.KernelWidth,
        TuneOperator.DepthwiseConv2d => 2.0 * Conv.Batch * Conv.Channels * Conv.OutHeight * Conv.OutWidth * Conv.KernelHeight * Conv.KernelWidth,
        TuneOperator.Softmax => 4.0 * Shape[0] * Shape[1],
        TuneOperator.Reduction => 1.0 * Shape[0] * Shape[1],
        // About 25 flops per neighbour visit (distance, r^-6, force and tally), 4/3 pi rc^3 rho neighbours per atom.
        TuneOperator.LennardJonesPair => 25.0 * Shape[0] * 4.0 / 3.0 * Math.PI * Math.Pow(Shape[1] / 10.0, 3) * 0.8442,
        _ => 0,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong with the shape.</summary>
    public void Validate()
    {
        var expected = Operator switch
        {
            TuneOperator.Dense => 3,
            TuneOperator.Conv2d => 9,
            TuneOperator.DepthwiseConv2d => 8,
            TuneOperator.LennardJonesPair => 2,
            _ => 2,
        };
        if (Shape.Length != expected)
        {
            throw new ArgumentException($"task {Name}: {OperatorName(Operator)} needs {expected} shape values, got {Shape.Length}");
        }
        if (Shape.Any(v => v < 0) || Shape.Take(Operator is TuneOperator.Conv2d ? 8 : Operator is TuneOperator.DepthwiseConv2d ? 7 : expected).Any(v => v < 1))
        {
            throw new ArgumentException($"task {Name}: shape {Key} has a size below 1");
        }
        if (Operator is TuneOperator.Conv2d or TuneOperator.DepthwiseConv2d)
        {
            Conv.Validate();
        }
        if (Operator == TuneOperator.LennardJonesPair && 4 * (int)Math.Pow(Math.Round(Math.Cbrt(Shape[0] / 4.0)), 3) != Shape[0])
        {
            throw new ArgumentException($"task {Name}: lj_pair atoms {Shape[0]} is not 4 c^3 (an fcc block of c^3 cells)");
        }
        if (Ops.Length == 0 || Ops[0] != OperatorName(Operator))
        {
            throw new ArgumentException($"task {Name}: its op sequence must start with its anchor {OperatorName(Operator)}");
        }
        if (Weight < 1)
        {
            throw new ArgumentException($"task {Name}: weight {Weight} is below 1");
        }
    }
}
