using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Fl;

/// <summary>Tensors filled from managed arrays by copying into memory libtorch owns.</summary>
/// <remarks>The tensor never refers to the managed array, whatever the garbage collector does with it afterwards.</remarks>
internal static class FlTensors
{
    /// <summary>A new float32 CPU tensor of <paramref name="shape"/> holding a copy of <paramref name="values"/>.</summary>
    public static Tensor Copy(float[] values, long[] shape)
    {
        var tensor = torch.empty(shape, ScalarType.Float32);
        values.AsSpan().CopyTo(MemoryMarshal.Cast<byte, float>(tensor.bytes));
        return tensor;
    }
}
