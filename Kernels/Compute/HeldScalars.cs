using TorchSharp;

namespace Dataflow.Kernels.Compute;

/// <summary>Scalars that live as long as the process, for libtorch calls in hot loops.</summary>
/// <remarks>TorchSharp 0.107 turns a .NET number into a <see cref="Scalar"/> with a finalizer and passes only its
/// native handle on, without keeping the managed object alive: a garbage collection during the native call may run
/// the finalizer and free the value libtorch is reading. It surfaced as a rare "For integral input tensors, argument
/// alpha must not be a floating point number" from <c>Tensor.add(Tensor)</c>, whose alpha is an implicit 1, deep into
/// NQS runs. Pass these held scalars, or a local one under <c>using</c>, which stays reachable until it is disposed.</remarks>
public static class HeldScalars
{
    // An explicit static constructor: the fields are created on first use, after the native libraries are loaded.
    static HeldScalars()
    {
        TorchRuntime.LoadNative();
        One = 1L.ToScalar();
        Half = 0.5.ToScalar();
        NegativeInfinity = double.NegativeInfinity.ToScalar();
    }

    /// <summary>Integer 1: the alpha of tensor additions.</summary>
    public static readonly Scalar One;

    /// <summary>0.5.</summary>
    public static readonly Scalar Half;

    /// <summary>Negative infinity, for masks.</summary>
    public static readonly Scalar NegativeInfinity;
}
