using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Har;

/// <summary>The polynomial expansion of one frame at every pyramid level of a <see cref="FarnebackFlow"/>: computed
/// once per frame and used for the pair before it and the pair after it.</summary>
public sealed class FarnebackExpansion : IDisposable
{
    internal FarnebackExpansion(ComputeBuffer<float>[] levels) => Levels = levels;

    internal ComputeBuffer<float>[] Levels { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var level in Levels)
        {
            level.Dispose();
        }
    }
}

/// <summary>Dense optical flow by Farneback's polynomial expansion on an image pyramid (G. Farneback, SCIA 2003), the
/// algorithm of OpenCV's <c>calcOpticalFlowFarneback</c> with its default (box-window) update.</summary>
/// <remarks>
/// The arithmetic is the static kernels of <see cref="FarnebackKernels"/>, launched through ILGPU on a CUDA node; on a
/// CPU node the same arithmetic runs as vectorised row passes (<see cref="FarnebackCpu"/>, which says why), and only the
/// small resampling steps are the kernels called directly. It is written here rather than taken from OpenCV so that it
/// runs as the project's kernels do (ILGPU on a GPU, the pipeline's own threads on a CPU) and so that each frame's
/// expansion is computed once in a stream
/// (<see cref="Expand"/>), where OpenCV expands both frames of every pair. Images are single-channel floats in [0, 1],
/// row-major; they are scaled to 0..255 as OpenCV's 8-bit frames are, so the ridge of the 2x2 solve means the same.
/// The flow is 2 floats per pixel (dx, dy) in pixels of the full-resolution image: frame 2 at <c>p + flow(p)</c>
/// looks like frame 1 at <c>p</c>. One instance is used by one thread at a time (it owns scratch buffers).
/// </remarks>
public sealed class FarnebackFlow : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly FarnebackOptions _options;
    private readonly FlowGrid[] _grids;
    private readonly ComputeBuffer<float>?[] _smoothing;
    private readonly int[] _smoothingRadius;
    private readonly ComputeBuffer<float> _taps;
    private readonly float[] _tapValues;
    private readonly float[]?[] _smoothingWeights;
    private readonly FarnebackCpu? _cpu;
    private readonly PolyBasis _basis;
    private readonly ComputeBuffer<float> _source;
    private readonly ComputeBuffer<float> _blurA;
    private readonly ComputeBuffer<float> _blurB;
    private readonly ComputeBuffer<float>[] _levelImages;
    private readonly ComputeBuffer<float> _rows;
    private readonly ComputeBuffer<float>[] _flows;
    private readonly ComputeBuffer<float> _matrices;
    private readonly ComputeBuffer<float> _summed;
    private readonly float[] _scaled;

    /// <summary>Prepares the pyramid and buffers for <paramref name="height"/> x <paramref name="width"/> frames.</summary>
    public FarnebackFlow(int height, int width, FarnebackOptions? options = null, ComputeBackendKind backend = ComputeBackendKind.Cpu)
    {
        _options = options ?? new FarnebackOptions();
        _options.Validate();
        if (height < 8 || width < 8)
        {
            throw new ArgumentException($"frames must be at least 8x8 pixels, not {height}x{width}", nameof(height));
        }
        Height = height;
        Width = width;
        _backend = ComputeBackend.Create(backend, new ComputeBackendOptions { MaxDegreeOfParallelism = _options.Threads });

        // OpenCV's pyramid: levels stop before a side drops under 32 pixels; level k is the frame smoothed with
        // sigma (1/scale - 1)/2 and resampled by scale = pyramidScale^k.
        var levels = 0;
        var scale = 1.0;
        for (; levels < _options.Levels; levels++)
        {
            scale *= _options.PyramidScale;
            if (width * scale < 32 || height * scale < 32)
            {
                break;
            }
        }
        _grids = new FlowGrid[levels + 1];
        _smoothing = new ComputeBuffer<float>?[levels + 1];
        _smoothingRadius = new int[levels + 1];
        _smoothingWeights = new float[levels + 1][];
        for (var k = 0; k <= levels; k++)
        {
            var s = Math.Pow(_options.PyramidScale, k);
            _grids[k] = new FlowGrid((int)Math.Round(width * s), (int)Math.Round(height * s), 0);
            if (k > 0)
            {
                var sigma = (1 / s - 1) * 0.5;
                var size = (int)Math.Round(sigma * 5) | 1;
                _smoothingRadius[k] = size / 2;
                _smoothingWeights[k] = Gaussian(size / 2, sigma);
                _smoothing[k] = _backend.FromArray(_smoothingWeights[k]!);
            }
        }
        (_tapValues, _basis) = PolyTaps(_options.PolyN, _options.PolySigma);
        _taps = _backend.FromArray(_tapValues);
        if (_backend.Kind == ComputeBackendKind.Cpu)
        {
            _cpu = new FarnebackCpu(_options.Threads, width, Math.Max(Math.Max(_options.PolyN, _options.WindowSize / 2), _smoothingRadius.Max()));
        }
        var pixels = width * height;
        _scaled = new float[pixels];
        _source = _backend.Allocate1D<float>(pixels);
        _blurA = _backend.Allocate1D<float>(pixels);
        _blurB = _backend.Allocate1D<float>(pixels);
        _levelImages = _grids.Select(g => _backend.Allocate1D<float>(g.Pixels)).ToArray();
        _rows = _backend.Allocate1D<float>(3 * pixels);
        _flows = _grids.Select(g => _backend.Allocate1D<float>(2 * g.Pixels)).ToArray();
        _matrices = _backend.Allocate1D<float>(FarnebackKernels.Channels * pixels);
        _summed = _backend.Allocate1D<float>(FarnebackKernels.Channels * pixels);
    }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Pyramid levels used above the full-resolution one.</summary>
    public int Levels => _grids.Length - 1;

    /// <summary>The polynomial expansion of <paramref name="image"/> (Height x Width floats in [0, 1]) at every level.</summary>
    public FarnebackExpansion Expand(ReadOnlySpan<float> image)
    {
        if (image.Length != Width * Height)
        {
            throw new ArgumentException($"expected {Height}x{Width} = {Width * Height} pixels, got {image.Length}", nameof(image));
        }
        for (var i = 0; i < image.Length; i++)
        {
            _scaled[i] = 255f * image[i];
        }
        _source.CopyFrom(_scaled);
        var polys = new ComputeBuffer<float>[_grids.Length];
        var full = _grids[0];
        for (var k = 0; k < _grids.Length; k++)
        {
            var grid = _grids[k];
            var levelImage = _levelImages[k];
            if (k == 0)
            {
                levelImage = _source;
            }
            else
            {
                var blur = full with { Radius = _smoothingRadius[k] };
                var weights = _smoothing[k]!;
                if (_cpu is not null)
                {
                    _cpu.BlurRows(_source, _blurA, _smoothingWeights[k]!, blur);
                    _cpu.BlurColumns(_blurA, _blurB, _smoothingWeights[k]!, blur);
                }
                else
                {
                    _backend.Launch(FarnebackKernels.BlurRows, full.Pixels, _source.View, _blurA.View, weights.View, blur);
                    _backend.Launch(FarnebackKernels.BlurColumns, full.Pixels, _blurA.View, _blurB.View, weights.View, blur);
                }
                _backend.Launch(FarnebackKernels.Resize, grid.Pixels, _blurB.View, levelImage.View, full, grid, new Float2Gain(1, 1f));
            }
            var poly = _backend.Allocate1D<float>(FarnebackKernels.Channels * grid.Pixels);
            var polyGrid = grid with { Radius = _options.PolyN };
            if (_cpu is not null)
            {
                _cpu.Expand(levelImage, _rows, poly, _tapValues, polyGrid, _basis);
            }
            else
            {
                _backend.Launch(FarnebackKernels.PolyColumns, grid.Pixels, levelImage.View, _rows.View, _taps.View, polyGrid);
                _backend.Launch(FarnebackKernels.PolyRows, grid.Pixels, _rows.View, poly.View, _taps.View, polyGrid, _basis);
            }
            polys[k] = poly;
        }
        return new FarnebackExpansion(polys);
    }

    /// <summary>The flow from the frame of <paramref name="previous"/> to that of <paramref name="next"/>: 2 floats
    /// (dx, dy) per pixel, row-major.</summary>
    public float[] Compute(FarnebackExpansion previous, FarnebackExpansion next)
    {
        var flow = new float[2 * Width * Height];
        Compute(previous, next, flow);
        return flow;
    }

    /// <summary>Writes the flow from <paramref name="previous"/>'s frame to <paramref name="next"/>'s into
    /// <paramref name="flow"/> (2 Height Width floats).</summary>
    public void Compute(FarnebackExpansion previous, FarnebackExpansion next, Span<float> flow)
    {
        if (previous.Levels.Length != _grids.Length || next.Levels.Length != _grids.Length)
        {
            throw new ArgumentException("expansions come from another FarnebackFlow", nameof(previous));
        }
        var box = _options.WindowSize / 2;
        for (var k = _grids.Length - 1; k >= 0; k--)
        {
            var grid = _grids[k];
            var levelFlow = _flows[k];
            if (k == _grids.Length - 1)
            {
                levelFlow.AsSpan().Clear();
            }
            else
            {
                _backend.Launch(FarnebackKernels.Resize, 2 * grid.Pixels, _flows[k + 1].View, levelFlow.View, _grids[k + 1], grid,
                    new Float2Gain(2, (float)(1 / _options.PyramidScale)));
            }
            var r0 = previous.Levels[k].View;
            var r1 = next.Levels[k].View;
            var boxGrid = grid with { Radius = box };
            if (_cpu is not null)
            {
                var (poly0, poly1) = (previous.Levels[k], next.Levels[k]);
                _cpu.Matrices(poly0, poly1, levelFlow, _matrices, grid);
                for (var i = 0; i < _options.Iterations; i++)
                {
                    _cpu.BoxSolve(_matrices, levelFlow, boxGrid);
                    if (i < _options.Iterations - 1)
                    {
                        _cpu.Matrices(poly0, poly1, levelFlow, _matrices, grid);
                    }
                }
                continue;
            }
            _backend.Launch(FarnebackKernels.Matrices, grid.Pixels, r0, r1, levelFlow.View, _matrices.View, grid);
            for (var i = 0; i < _options.Iterations; i++)
            {
                _backend.Launch(FarnebackKernels.BoxColumns, new LaunchExtent(grid.Width, 1), _matrices.View, _summed.View, boxGrid);
                _backend.Launch(FarnebackKernels.SolveRows, new LaunchExtent(grid.Height, 1), _summed.View, levelFlow.View, boxGrid);
                if (i < _options.Iterations - 1)
                {
                    _backend.Launch(FarnebackKernels.Matrices, grid.Pixels, r0, r1, levelFlow.View, _matrices.View, grid);
                }
            }
        }
        _backend.Synchronize();
        _flows[0].CopyTo(flow);
    }

    /// <summary>The flow from <paramref name="previous"/> to <paramref name="next"/> (both Height x Width in [0, 1]).</summary>
    public float[] Compute(ReadOnlySpan<float> previous, ReadOnlySpan<float> next)
    {
        using var a = Expand(previous);
        using var b = Expand(next);
        return Compute(a, b);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var buffer in new[] { _taps, _source, _blurA, _blurB, _rows, _matrices, _summed }
            .Concat(_levelImages).Concat(_flows).Concat(_smoothing.OfType<ComputeBuffer<float>>()))
        {
            buffer.Dispose();
        }
        _backend.Dispose();
    }

    private static float[] Gaussian(int radius, double sigma)
    {
        var weights = new double[2 * radius + 1];
        for (var k = -radius; k <= radius; k++)
        {
            weights[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        }
        var sum = weights.Sum();
        return weights.Select(w => (float)(w / sum)).ToArray();
    }

    // The applicability and the inverse Gram matrix of the weighted least-squares fit of the quadratic
    // (1, x, y, x^2, y^2, xy) on the (2n+1)^2 neighbourhood (Farneback's thesis, section 4.3).
    private static (float[] Taps, PolyBasis Basis) PolyTaps(int n, double sigma)
    {
        var g = new double[2 * n + 1];
        for (var k = -n; k <= n; k++)
        {
            g[k + n] = Math.Exp(-k * k / (2 * sigma * sigma));
        }
        var sum = g.Sum();
        for (var k = 0; k < g.Length; k++)
        {
            g[k] /= sum;
        }
        var taps = new float[3 * (n + 1)];
        for (var k = 0; k <= n; k++)
        {
            taps[3 * k] = (float)g[k + n];
            taps[3 * k + 1] = (float)(k * g[k + n]);
            taps[3 * k + 2] = (float)(k * k * g[k + n]);
        }
        var gram = new double[6, 6];
        for (var y = -n; y <= n; y++)
        {
            for (var x = -n; x <= n; x++)
            {
                double[] basis = [1, x, y, x * x, y * y, x * y];
                var w = g[y + n] * g[x + n];
                for (var i = 0; i < 6; i++)
                {
                    for (var j = 0; j < 6; j++)
                    {
                        gram[i, j] += w * basis[i] * basis[j];
                    }
                }
            }
        }
        var inverse = Invert(gram);
        var basisTerms = new PolyBasis((float)inverse[1, 1], (float)inverse[0, 3], (float)inverse[3, 3], (float)inverse[3, 4], (float)inverse[5, 5]);
        return (taps, basisTerms);
    }

    // Gauss-Jordan with partial pivoting; the Gram matrix is symmetric positive definite and 6x6.
    private static double[,] Invert(double[,] a)
    {
        var n = a.GetLength(0);
        var m = new double[n, 2 * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                m[i, j] = a[i, j];
            }
            m[i, n + i] = 1;
        }
        for (var c = 0; c < n; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < n; r++)
            {
                if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c]))
                {
                    pivot = r;
                }
            }
            for (var j = 0; j < 2 * n; j++)
            {
                (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            }
            var d = m[c, c];
            for (var j = 0; j < 2 * n; j++)
            {
                m[c, j] /= d;
            }
            for (var r = 0; r < n; r++)
            {
                if (r != c && m[r, c] != 0)
                {
                    var f = m[r, c];
                    for (var j = 0; j < 2 * n; j++)
                    {
                        m[r, j] -= f * m[c, j];
                    }
                }
            }
        }
        var inverse = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                inverse[i, j] = m[i, n + j];
            }
        }
        return inverse;
    }
}
