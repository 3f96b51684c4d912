using System.Security.Cryptography;
using System.Text;

namespace Dataflow.Kernels.Tune;

/// <summary>How tasks are grouped into families that share a cost model.</summary>
public enum FamilyGrouping
{
    /// <summary>By anchor operator (FamilySeer's default: all conv2d tasks together).</summary>
    Anchor,

    /// <summary>By a hash of the subgraph's operator sequence (conv2d+bias_add+relu apart from conv2d+bias_add).</summary>
    OpSequence,
}

/// <summary>A family: tasks that share a cost model.</summary>
/// <param name="Key">The family's name: the anchor (<c>conv2d</c>) or <c>anchor#hash</c> of the op sequence.</param>
/// <param name="Members">Indices of the model's tasks in the family, in model order.</param>
public sealed record TuneFamily(string Key, int[] Members);

/// <summary>A network as the list of its tuning tasks, the subgraphs one forward pass runs.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Tasks">Distinct tasks (operator, shape and op sequence) in first-use order; weights count repeats.</param>
public sealed record TuneModel(string Name, TuneTask[] Tasks)
{
    /// <summary>A ResNet-like CNN for 32 x 32 RGB images, batch 1: a stem, two stages of basic residual blocks (the
    /// second downsampling with a strided 3x3 and a 1x1 projection), a depthwise-separable stage (MobileNet's block),
    /// global average pooling as a row reduction, a dense classifier and softmax.</summary>
    public static TuneModel Cnn() => Build("cnn",
    [
        Conv("stem", 3, 32, 16, 3, 1, "relu"),
        Conv("layer1.0.conv1", 16, 32, 16, 3, 1, "relu"),
        Conv("layer1.0.conv2", 16, 32, 16, 3, 1, "add", "relu"),
        Conv("layer1.1.conv1", 16, 32, 16, 3, 1, "relu"),
        Conv("layer1.1.conv2", 16, 32, 16, 3, 1, "add", "relu"),
        Conv("layer2.0.conv1", 16, 32, 32, 3, 2, "relu"),
        Conv("layer2.0.conv2", 32, 16, 32, 3, 1, "add", "relu"),
        Conv("layer2.0.downsample", 16, 32, 32, 1, 2),
        Conv("layer2.1.conv1", 32, 16, 32, 3, 1, "relu"),
        Conv("layer2.1.conv2", 32, 16, 32, 3, 1, "add", "relu"),
        Depthwise("layer3.0.dw", 32, 16, 3, 2, "relu"),
        Conv("layer3.0.pw", 32, 8, 64, 1, 1, "relu"),
        Depthwise("layer3.1.dw", 64, 8, 3, 1, "relu"),
        Conv("layer3.1.pw", 64, 8, 64, 1, 1, "add", "relu"),
        new("avgpool", TuneOperator.Reduction, [64, 64], ["reduction", "mean"]),
        new("fc", TuneOperator.Dense, [1, 10, 64], ["dense", "bias_add"]),
        new("softmax", TuneOperator.Softmax, [1, 10], ["softmax"]),
    ]);

    /// <summary>One pre-norm transformer block: sequence 128, width 256, 4 heads of 64, MLP width 1024 (the block
    /// shape of a small causal LM).</summary>
    public static TuneModel Transformer() => Build("transformer",
    [
        new("ln1", TuneOperator.Reduction, [128, 256], ["reduction", "layer_norm"]),
        new("attn.qkv", TuneOperator.Dense, [128, 768, 256], ["dense", "bias_add"]),
        new("attn.scores", TuneOperator.Dense, [128, 128, 64], ["dense", "scale"], 4),
        new("attn.softmax", TuneOperator.Softmax, [512, 128], ["softmax"]),
        new("attn.context", TuneOperator.Dense, [128, 64, 128], ["dense"], 4),
        new("attn.out", TuneOperator.Dense, [128, 256, 256], ["dense", "bias_add", "add"]),
        new("ln2", TuneOperator.Reduction, [128, 256], ["reduction", "layer_norm"]),
        new("mlp.fc1", TuneOperator.Dense, [128, 1024, 256], ["dense", "bias_add", "gelu"]),
        new("mlp.fc2", TuneOperator.Dense, [128, 256, 1024], ["dense", "bias_add", "add"]),
    ]);

    /// <summary>The built-in model <paramref name="name"/> (<c>cnn</c> or <c>transformer</c>).</summary>
    public static TuneModel Named(string name) => name switch
    {
        "cnn" => Cnn(),
        "transformer" => Transformer(),
        _ => throw new ArgumentException($"unknown model '{name}' (expected cnn, transformer or a .json file)", nameof(name)),
    };

    /// <summary>The model's families under <paramref name="grouping"/>, in order of first member.</summary>
    public TuneFamily[] Families(FamilyGrouping grouping)
    {
        var keys = Tasks.Select(t => FamilyKey(t, grouping)).ToArray();
        return keys.Distinct()
            .Select(key => new TuneFamily(key, Enumerable.Range(0, Tasks.Length).Where(i => keys[i] == key).ToArray()))
            .ToArray();
    }

    /// <summary>The family key of one task.</summary>
    public static string FamilyKey(TuneTask task, FamilyGrouping grouping)
    {
        var anchor = TuneTask.OperatorName(task.Operator);
        if (grouping == FamilyGrouping.Anchor)
        {
            return anchor;
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('+', task.Ops)));
        return $"{anchor}#{Convert.ToHexStringLower(hash, 0, 4)}";
    }

    // Tasks with the same operator, shape and op sequence are one task run Weight times.
    private static TuneModel Build(string name, TuneTask[] layers)
    {
        var tasks = layers
            .GroupBy(t => (t.Key, Ops: string.Join('+', t.Ops)))
            .Select(g => g.First() with { Weight = g.Sum(t => t.Weight) })
            .ToArray();
        foreach (var t in tasks)
        {
            t.Validate();
        }
        return new TuneModel(name, tasks);
    }

    private static TuneTask Conv(string name, int cin, int size, int cout, int kernel, int stride, params string[] epilogue) =>
        new(name, TuneOperator.Conv2d, [1, cin, size, size, cout, kernel, kernel, stride, kernel / 2],
            ["conv2d", "bias_add", .. epilogue]);

    private static TuneTask Depthwise(string name, int channels, int size, int kernel, int stride, params string[] epilogue) =>
        new(name, TuneOperator.DepthwiseConv2d, [1, channels, size, size, kernel, kernel, stride, kernel / 2],
            ["depthwise_conv2d", "bias_add", .. epilogue]);
}
