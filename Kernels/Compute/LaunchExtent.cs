namespace Dataflow.Kernels.Compute;

/// <summary>The indices a kernel launch covers, <c>[0, Length)</c>, and how finely direct dispatch may split them.</summary>
/// <param name="Length">Number of indices; each runs the kernel once.</param>
/// <param name="MinChunkLength">Fewest consecutive indices one CPU task runs; 0 takes
/// <see cref="ComputeBackendOptions.MinChunkLength"/>. Set it low (1 to 64) for kernels whose every index
/// does much work, such as a pair loop over all particles, so that a few thousand indices still spread over
/// all cores. ILGPU accelerators ignore it.</param>
/// <param name="GroupSize">Threads per group on an ILGPU accelerator (rounded up to whole warps, at most the device's
/// limit); 0 lets ILGPU choose. Direct dispatch ignores it. A kernel whose every index writes only its own output gives
/// the same results with any group size.</param>
/// <remarks>An <see cref="int"/> converts implicitly, so <c>backend.Launch(kernel, n, ...)</c> reads naturally.</remarks>
public readonly record struct LaunchExtent(int Length, int MinChunkLength = 0, int GroupSize = 0)
{
    /// <summary>A launch of <paramref name="length"/> indices with the backend's default chunking.</summary>
    public static implicit operator LaunchExtent(int length) => new(length);
}
