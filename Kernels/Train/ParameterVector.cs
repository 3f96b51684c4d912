using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Train;

/// <summary>Copies a module's parameters and gradients to and from one flat <see cref="float"/> vector,
/// tensor after tensor in <c>named_parameters()</c> order, each tensor row-major.</summary>
/// <remarks>Parameters must be contiguous single-precision CPU tensors (what the <c>train</c> networks hold).</remarks>
public static class ParameterVector
{
    /// <summary>Total number of parameter elements of <paramref name="module"/>.</summary>
    public static int Count(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        long n = 0;
        foreach (var (_, p) in module.named_parameters())
        {
            n += p.numel();
        }
        return checked((int)n);
    }

    /// <summary>The module's parameters as a new flat vector.</summary>
    public static float[] Get(nn.Module module)
    {
        var result = new float[Count(module)];
        var offset = 0;
        foreach (var (name, p) in module.named_parameters())
        {
            var source = FloatSpan(p, name);
            source.CopyTo(result.AsSpan(offset));
            offset += source.Length;
        }
        return result;
    }

    /// <summary>Overwrites the module's parameters from <paramref name="values"/> (length must match).</summary>
    /// <remarks>Writes the parameter storage directly, outside autograd; call it before the forward pass.</remarks>
    public static void Load(nn.Module module, ReadOnlySpan<float> values)
    {
        var count = Count(module);
        if (values.Length != count)
        {
            throw new ArgumentException($"parameter vector has {values.Length} values, the module {count}", nameof(values));
        }
        var offset = 0;
        foreach (var (name, p) in module.named_parameters())
        {
            var target = FloatSpan(p, name);
            values.Slice(offset, target.Length).CopyTo(target);
            offset += target.Length;
        }
    }

    /// <summary>The module's gradients as a new flat vector; a parameter without a gradient contributes zeros.</summary>
    public static float[] Gradients(nn.Module module)
    {
        var result = new float[Count(module)];
        var offset = 0;
        foreach (var (name, p) in module.named_parameters())
        {
            var length = checked((int)p.numel());
            using var grad = p.grad;
            if (grad is not null)
            {
                FloatSpan(grad, name + ".grad").CopyTo(result.AsSpan(offset));
            }
            offset += length;
        }
        return result;
    }

    private static Span<float> FloatSpan(Tensor tensor, string name)
    {
        if (tensor.dtype != ScalarType.Float32 || tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new InvalidOperationException(
                $"{name} must be a contiguous float32 CPU tensor (is {tensor.dtype} on {tensor.device_type})");
        }
        return MemoryMarshal.Cast<byte, float>(tensor.bytes);
    }
}
