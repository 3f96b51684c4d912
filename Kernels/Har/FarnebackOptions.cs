namespace Dataflow.Kernels.Har;

/// <summary>Parameters of <see cref="FarnebackFlow"/>, named as OpenCV's <c>calcOpticalFlowFarneback</c> names them.</summary>
/// <remarks>The defaults are OpenCV's documented example (pyramid scale 0.5, 3 levels, window 15, 3 iterations,
/// polynomial neighbourhood 5 with sigma 1.1).</remarks>
public sealed record FarnebackOptions
{
    /// <summary>Scale from one pyramid level to the next coarser one.</summary>
    public double PyramidScale { get; init; } = 0.5;

    /// <summary>Pyramid levels above the full-resolution one; fewer when a level would be under 32 pixels.</summary>
    public int Levels { get; init; } = 3;

    /// <summary>Side of the box window that averages the normal equations, in pixels (odd).</summary>
    public int WindowSize { get; init; } = 15;

    /// <summary>Iterations per level.</summary>
    public int Iterations { get; init; } = 3;

    /// <summary>Half-width of the polynomial-expansion neighbourhood, in pixels.</summary>
    public int PolyN { get; init; } = 5;

    /// <summary>Standard deviation of the Gaussian applicability of the polynomial expansion, in pixels.</summary>
    public double PolySigma { get; init; } = 1.1;

    /// <summary>Threads of the direct CPU dispatch.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid parameter.</summary>
    public void Validate()
    {
        if (PyramidScale is <= 0 or >= 1)
        {
            throw new ArgumentException($"pyramid scale must be in (0, 1), not {PyramidScale}", nameof(PyramidScale));
        }
        if (Levels < 0 || Iterations < 1 || PolyN < 1 || PolySigma <= 0 || Threads < 1)
        {
            throw new ArgumentException("levels >= 0, iterations >= 1, polyN >= 1, polySigma > 0 and threads >= 1 are required", nameof(Levels));
        }
        if (WindowSize < 3 || WindowSize % 2 == 0)
        {
            throw new ArgumentException($"window size must be odd and at least 3, not {WindowSize}", nameof(WindowSize));
        }
    }
}
