using static TorchSharp.torch;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>The parameters of a <see cref="TransformerWavefunction"/> as one flat double vector, in registration
/// order (<c>named_parameters()</c>), each tensor row-major.</summary>
public static class FlatParameters
{
    /// <summary>Number of scalar parameters.</summary>
    public static int Count(TransformerWavefunction model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long n = 0;
        foreach (var p in model.parameters())
        {
            n += p.numel();
        }
        return checked((int)n);
    }

    /// <summary>A copy of every parameter.</summary>
    public static double[] Get(TransformerWavefunction model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new double[Count(model)];
        var offset = 0;
        foreach (var p in model.parameters())
        {
            using var d = p.detach().to_type(ScalarType.Float64).contiguous();
            d.data<double>().CopyTo(result.AsSpan(offset));
            offset += (int)p.numel();
        }
        return result;
    }

    /// <summary>Overwrites every parameter from <paramref name="values"/>, laid out as <see cref="Get"/> returns it.</summary>
    public static void Set(TransformerWavefunction model, ReadOnlySpan<double> values)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (values.Length != Count(model))
        {
            throw new ArgumentException($"{values.Length} values for {Count(model)} parameters", nameof(values));
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var offset = 0;
        foreach (var p in model.parameters())
        {
            var n = (int)p.numel();
            var source = tensor(values.Slice(offset, n).ToArray(), p.shape).to_type(p.dtype);
            p.copy_(source);
            offset += n;
        }
    }

    /// <summary>The gradient of every parameter (zeros where none), laid out as <see cref="Get"/>.</summary>
    public static double[] Gradient(TransformerWavefunction model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new double[Count(model)];
        var offset = 0;
        foreach (var p in model.parameters())
        {
            using var grad = p.grad;
            if (grad is not null)
            {
                using var d = grad.to_type(ScalarType.Float64).contiguous();
                d.data<double>().CopyTo(result.AsSpan(offset));
            }
            offset += (int)p.numel();
        }
        return result;
    }
}
