using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;
using MessagePack;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Fl;

/// <summary>Named model parameters as one flat vector: what travels between the server and the institutes.</summary>
/// <param name="Names">Parameter names (the PyTorch state-dict keys), in the model's order.</param>
/// <param name="Lengths">Elements of each parameter.</param>
/// <param name="Values">All elements, parameter after parameter, each row-major.</param>
[MessagePackObject]
public sealed record FlWeights(
    [property: Key(0)] string[] Names,
    [property: Key(1)] int[] Lengths,
    [property: Key(2)] float[] Values)
{
    private const ulong InitPurpose = 0xF1_0417;

    /// <summary>True for the parameters of normalisation layers (those FedBN keeps local).</summary>
    public static bool IsNormalisation(string name) => name.Contains(".norm", StringComparison.Ordinal);

    /// <summary>Number of parameters (named tensors).</summary>
    [IgnoreMember]
    public int Count => Names.Length;

    /// <summary>The parameters whose names satisfy <paramref name="keep"/>, in order.</summary>
    public FlWeights Where(Func<string, bool> keep)
    {
        var names = new List<string>();
        var lengths = new List<int>();
        var values = new List<float>();
        var offset = 0;
        for (var i = 0; i < Names.Length; i++)
        {
            if (keep(Names[i]))
            {
                names.Add(Names[i]);
                lengths.Add(Lengths[i]);
                values.AddRange(Values.AsSpan(offset, Lengths[i]));
            }
            offset += Lengths[i];
        }
        return new FlWeights([.. names], [.. lengths], [.. values]);
    }

    /// <summary>These weights with the parameters of <paramref name="update"/> (a subset, by name) replaced.</summary>
    public FlWeights With(FlWeights update)
    {
        var values = (float[])Values.Clone();
        var offsets = Offsets();
        var offset = 0;
        for (var i = 0; i < update.Names.Length; i++)
        {
            if (!offsets.TryGetValue(update.Names[i], out var at) || Lengths[at.Index] != update.Lengths[i])
            {
                throw new ArgumentException($"parameter {update.Names[i]} ({update.Lengths[i]} values) is not in these weights", nameof(update));
            }
            update.Values.AsSpan(offset, update.Lengths[i]).CopyTo(values.AsSpan(at.Offset));
            offset += update.Lengths[i];
        }
        return this with { Values = values };
    }

    /// <summary>SHA-256 of the names and little-endian values: equal weights, equal hash.</summary>
    public string Sha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in Names)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "\n"));
        }
        hash.AppendData(MemoryMarshal.AsBytes(Values.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The parameters of <paramref name="module"/>.</summary>
    public static FlWeights Of(nn.Module module) => Of(module.named_parameters().ToArray());

    /// <summary>The values of <paramref name="parameters"/> (a module's named parameters, in order).</summary>
    public static FlWeights Of(IReadOnlyList<(string name, TorchSharp.Modules.Parameter parameter)> parameters)
    {
        var names = new List<string>();
        var lengths = new List<int>();
        var values = new List<float>();
        foreach (var (name, p) in parameters)
        {
            names.Add(name);
            lengths.Add(checked((int)p.numel()));
            values.AddRange(FloatSpan(p, name));
        }
        return new FlWeights([.. names], [.. lengths], [.. values]);
    }

    /// <summary>Writes these parameters (a subset of the module's, by name) into <paramref name="module"/>.</summary>
    public void LoadInto(nn.Module module) => LoadInto(module.named_parameters().ToArray());

    /// <summary>Writes these parameters (a subset, by name) into <paramref name="named"/>.</summary>
    public void LoadInto(IReadOnlyList<(string name, TorchSharp.Modules.Parameter parameter)> named)
    {
        var parameters = named.ToDictionary(p => p.name, p => p.parameter);
        var offset = 0;
        for (var i = 0; i < Names.Length; i++)
        {
            if (!parameters.TryGetValue(Names[i], out var p) || p.numel() != Lengths[i])
            {
                throw new ArgumentException($"parameter {Names[i]} ({Lengths[i]} values) does not fit the model");
            }
            Values.AsSpan(offset, Lengths[i]).CopyTo(FloatSpan(p, Names[i]));
            offset += Lengths[i];
        }
    }

    /// <summary>The initial weights of the U-Net of <paramref name="settings"/>: convolutions uniform in
    /// +-1/sqrt(fan-in) (PyTorch's default bound) from a counter-based stream of the seed, normalisation scales 1 and
    /// shifts 0. Every institute and the server compute the same values.</summary>
    public static FlWeights Initial(FlSettings settings)
    {
        using var threads = TorchThreads.Enter(settings.IntraOpThreads);
        using var scope = torch.NewDisposeScope();
        using var net = new UNet3d(settings.BaseChannels);
        var names = new List<string>();
        var lengths = new List<int>();
        var values = new List<float>();
        var index = 0;
        // The parameters taken once and looked up here, rather than a named_parameters() call per bias.
        var parameters = net.named_parameters().ToArray();
        foreach (var (name, p) in parameters)
        {
            var n = checked((int)p.numel());
            names.Add(name);
            lengths.Add(n);
            var key = CounterRandom.Key(settings.Seed, InitPurpose, index++);
            if (IsNormalisation(name))
            {
                values.AddRange(Enumerable.Repeat(name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f, n));
                continue;
            }
            // Fan-in of the layer this tensor belongs to: a weight's elements per output channel.
            var weight = name.EndsWith(".bias", StringComparison.Ordinal)
                ? parameters.First(q => q.name == name[..^5] + ".weight").parameter
                : p;
            var fanIn = weight.numel() / weight.shape[0];
            var bound = 1.0 / Math.Sqrt(fanIn);
            for (var j = 0; j < n; j++)
            {
                values.Add((float)(bound * (2 * CounterRandom.Uniform(key, (ulong)j) - 1)));
            }
        }
        return new FlWeights([.. names], [.. lengths], [.. values]);
    }

    private Dictionary<string, (int Index, int Offset)> Offsets()
    {
        var offsets = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var offset = 0;
        for (var i = 0; i < Names.Length; i++)
        {
            offsets[Names[i]] = (i, offset);
            offset += Lengths[i];
        }
        return offsets;
    }

    private static Span<float> FloatSpan(Tensor tensor, string name)
    {
        if (tensor.dtype != ScalarType.Float32 || tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new InvalidOperationException($"{name} must be a contiguous float32 CPU tensor");
        }
        return MemoryMarshal.Cast<byte, float>(tensor.bytes);
    }
}
