using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Compute.Kernels;

namespace Dataflow.Kernels.Compute;

/// <summary>Times the same ILGPU kernels run each way this node allows, side by side in one run, against a
/// plain C# <c>Parallel.For</c> loop doing the same arithmetic.</summary>
/// <remarks>
/// Variants: the plain loop (baseline, over arrays, same chunks as direct dispatch), direct dispatch
/// (<see cref="ComputeBackendKind.Cpu"/>), ILGPU's CPU accelerator (<see cref="ComputeBackendKind.IlgpuCpu"/>)
/// and, where a device exists, CUDA. Each variant's first launch is untimed and checked against the baseline's
/// output. With the default settings a two-core node finishes in about 6 s, most of it in the emulator.
/// </remarks>
public static class ComputeBenchmark
{
    private const string LennardJones = "lennard-jones energy";
    private const string Saxpy = "saxpy";
    private const float SaxpyA = 1.0e-3f;

    // Heavy kernels: each index loops over all particles, so even small chunks amortise a task.
    private const int LennardJonesMinChunk = 16;
    private const string BaselineLabel = "plain Parallel.For";
    private const string PerIndexLabel = "Parallel.For per index";

    /// <summary>Runs the benchmark with default settings and prints a table to <paramref name="output"/>.</summary>
    public static ComputeBenchmarkReport Run(TextWriter output) => Run(output, null);

    /// <summary>Runs the benchmark and prints a table to <paramref name="output"/>.</summary>
    /// <param name="output">Where the table goes.</param>
    /// <param name="settings">Sizes and repetitions; null takes the defaults.</param>
    public static ComputeBenchmarkReport Run(TextWriter output, ComputeBenchmarkSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(output);
        settings ??= new ComputeBenchmarkSettings();
        var kinds = new List<ComputeBackendKind> { ComputeBackendKind.Cpu, ComputeBackendKind.IlgpuCpu };
        if (ComputeBackend.IsCudaAvailable)
        {
            kinds.Add(ComputeBackendKind.Cuda);
        }
        var total = Stopwatch.StartNew();
        output.WriteLine("ILGPU kernels: ms per launch (median); ratio = time / plain Parallel.For in this run");
        output.WriteLine("  plain Parallel.For: the kernel's arithmetic over arrays, in the chunks direct dispatch uses");
        output.WriteLine("  Parallel.For per index: the same, as Parallel.For(0, n, i => ...)");
        foreach (var kind in kinds)
        {
            using var backend = ComputeBackend.Create(kind);
            output.WriteLine($"  {Label(kind),-24} {backend.Describe()}");
        }
        if (ComputeBackend.CudaUnavailableReason is { } noCuda)
        {
            output.WriteLine($"  {"ILGPU CUDA",-24} not measured: {noCuda}");
        }
        output.WriteLine();
        output.WriteLine($"{"kernel",-22} {"variant",-24} {"extent",9} {"ms/launch",11} {"ratio",8} {"max rel diff",13}");
        var rows = new List<ComputeBenchmarkRow>();
        rows.AddRange(RunLennardJones(settings, kinds, output));
        rows.AddRange(RunSaxpy(settings, kinds, output));
        output.WriteLine();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture, $"compute benchmark finished in {total.Elapsed.TotalSeconds:F1} s"));
        return new ComputeBenchmarkReport(rows);
    }

    private static List<ComputeBenchmarkRow> RunLennardJones(
        ComputeBenchmarkSettings settings, IReadOnlyList<ComputeBackendKind> kinds, TextWriter output)
    {
        var n = settings.Particles;
        var positions = JitteredLattice(n, spacingNm: 0.38f, jitterNm: 0.02f, seed: 1964);
        var parameters = LennardJonesParameters.Argon;
        var chunk = ComputeBackendOptions.Default.ChunkLengthFor(n, LennardJonesMinChunk);
        var plain = new float[n];
        var perIndex = new float[n];
        var table = new Table(output, LennardJones, n);
        table.Baseline(
            () => PlainChunks(n, chunk, (start, end) => PlainLennardJones(positions, parameters, plain, start, end)),
            () => plain,
            settings.Repetitions);
        table.Add(
            PerIndexLabel,
            () => Parallel.For(0, n, i => PlainLennardJones(positions, parameters, perIndex, i, i + 1)),
            static () => { },
            () => perIndex,
            settings.Repetitions);
        foreach (var kind in kinds)
        {
            using var backend = ComputeBackend.Create(kind);
            using var positionBuffer = backend.FromArray(positions);
            using var energy = backend.Allocate1D<float>(n);
            table.Add(
                Label(kind),
                () => backend.Launch(
                    LennardJonesKernel.PerParticleEnergy,
                    new LaunchExtent(n, LennardJonesMinChunk),
                    positionBuffer.View,
                    parameters,
                    energy.View),
                backend.Synchronize,
                energy.ToArray,
                kind == ComputeBackendKind.IlgpuCpu ? settings.EmulatorRepetitions : settings.Repetitions);
        }
        return table.Rows;
    }

    private static List<ComputeBenchmarkRow> RunSaxpy(
        ComputeBenchmarkSettings settings, IReadOnlyList<ComputeBackendKind> kinds, TextWriter output)
    {
        var n = settings.SaxpyLength;
        var x = new float[n];
        var y0 = new float[n];
        var random = new Random(1979);
        for (var i = 0; i < n; i++)
        {
            x[i] = (float)random.NextDouble();
            y0[i] = (float)random.NextDouble();
        }
        var chunk = ComputeBackendOptions.Default.ChunkLengthFor(n);
        var plain = (float[])y0.Clone();
        var perIndex = (float[])y0.Clone();
        var table = new Table(output, Saxpy, n);
        // Every variant starts from y0 and is checked after its first launch; later launches keep updating y.
        table.Baseline(
            () => PlainChunks(n, chunk, (start, end) =>
            {
                for (var i = start; i < end; i++)
                {
                    plain[i] = SaxpyA * x[i] + plain[i];
                }
            }),
            () => plain,
            settings.Repetitions);
        table.Add(
            PerIndexLabel,
            () => Parallel.For(0, n, i => perIndex[i] = SaxpyA * x[i] + perIndex[i]),
            static () => { },
            () => perIndex,
            settings.Repetitions);
        foreach (var kind in kinds)
        {
            using var backend = ComputeBackend.Create(kind);
            using var xb = backend.FromArray(x);
            using var yb = backend.FromArray(y0);
            table.Add(
                Label(kind),
                () => backend.Launch(SaxpyKernel.Apply, n, SaxpyA, xb.View, yb.View),
                backend.Synchronize,
                yb.ToArray,
                kind == ComputeBackendKind.IlgpuCpu ? settings.EmulatorRepetitions : settings.Repetitions);
        }
        return table.Rows;
    }

    /// <summary>The baseline: the kernel's arithmetic written as an ordinary loop over arrays.</summary>
    private static void PlainLennardJones(
        Float3[] positions, LennardJonesParameters p, float[] energy, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            var ri = positions[i];
            var sum = 0f;
            for (var j = 0; j < positions.Length; j++)
            {
                var rj = positions[j];
                var dx = rj.X - ri.X;
                var dy = rj.Y - ri.Y;
                var dz = rj.Z - ri.Z;
                var r2 = dx * dx + dy * dy + dz * dz;
                if (j != i && r2 < p.CutoffSquaredNm2)
                {
                    var s2 = p.SigmaSquaredNm2 / r2;
                    var s6 = s2 * s2 * s2;
                    sum += s6 * s6 - s6;
                }
            }
            energy[i] = 2f * p.EpsilonKjPerMol * sum;
        }
    }

    private static void PlainChunks(int length, int chunk, Action<int, int> body)
    {
        var chunks = (length + chunk - 1) / chunk;
        Parallel.For(0, chunks, c => body(c * chunk, Math.Min(length, (c + 1) * chunk)));
    }

    /// <summary>A simple cubic lattice filled in x, then y, then z order, each site moved by up to
    /// <paramref name="jitterNm"/> per axis: liquid-like distances without the overlaps of random points.</summary>
    private static Float3[] JitteredLattice(int count, float spacingNm, float jitterNm, int seed)
    {
        var side = (int)Math.Ceiling(Math.Cbrt(count));
        var random = new Random(seed);
        float Jitter() => (float)((random.NextDouble() - 0.5) * 2 * jitterNm);
        var positions = new Float3[count];
        for (var i = 0; i < count; i++)
        {
            positions[i] = new Float3(
                (i % side * spacingNm) + Jitter(),
                (i / side % side * spacingNm) + Jitter(),
                (i / (side * side) * spacingNm) + Jitter());
        }
        return positions;
    }

    private static string Label(ComputeBackendKind kind) => kind switch
    {
        ComputeBackendKind.Cpu => "direct dispatch",
        ComputeBackendKind.IlgpuCpu => "ILGPU CPU accelerator",
        _ => "ILGPU CUDA",
    };

    /// <summary>Rows of one kernel: runs each variant once to check its output against the baseline's,
    /// then times it and prints its row at once.</summary>
    private sealed class Table(TextWriter output, string kernel, int extent)
    {
        private float[]? _expected;
        private double _baselineMs;

        public List<ComputeBenchmarkRow> Rows { get; } = [];

        public void Baseline(Action launch, Func<float[]> read, int repetitions)
        {
            launch();
            _expected = (float[])read().Clone();
            _baselineMs = Time(launch, static () => { }, repetitions);
            Print(new ComputeBenchmarkRow(kernel, BaselineLabel, extent, _baselineMs, 1.0, 0.0) { Output = _expected });
        }

        public void Add(string label, Action launch, Action synchronize, Func<float[]> read, int repetitions)
        {
            var expected = _expected ?? throw new InvalidOperationException("baseline first");
            launch();
            synchronize();
            var first = (float[])read().Clone();
            var difference = MaxRelativeDifference(expected, first);
            var ms = Time(launch, synchronize, repetitions);
            Print(new ComputeBenchmarkRow(kernel, label, extent, ms, ms / _baselineMs, difference) { Output = first });
        }

        private void Print(ComputeBenchmarkRow row)
        {
            Rows.Add(row);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{row.Kernel,-22} {row.Variant,-24} {row.Extent,9} {row.MillisecondsPerLaunch,11:F2} "
                + $"{row.RatioToBaseline,8:F2} {row.MaxRelativeDifference,13:G3}"));
            output.Flush();
        }

        private static double Time(Action launch, Action synchronize, int repetitions)
        {
            var times = new double[Math.Max(1, repetitions)];
            for (var r = 0; r < times.Length; r++)
            {
                var watch = Stopwatch.StartNew();
                launch();
                synchronize();
                times[r] = watch.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            return times[times.Length / 2];
        }

        private static double MaxRelativeDifference(float[] expected, float[] actual)
        {
            var max = 0.0;
            for (var i = 0; i < expected.Length; i++)
            {
                var scale = Math.Max(Math.Abs((double)expected[i]), 1e-30);
                max = Math.Max(max, Math.Abs((double)actual[i] - expected[i]) / scale);
            }
            return max;
        }
    }
}
