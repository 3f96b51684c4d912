using System.Diagnostics;
using System.Globalization;
using System.Numerics;

namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Times <see cref="ComplexFft3D"/> against FFTW on cubic meshes, side by side in one run, and the
/// k-space solvers on random charges.</summary>
/// <remarks>FFTW is reached by P/Invoke to <c>libfftw3.so.3</c> (and <c>libfftw3_threads.so.3</c> for the
/// multi-threaded rows) from here only; without it the FFTW columns read n/a. With the default sizes
/// (32^3, 64^3, 128^3) a two-core node takes about a minute, most of it in FFTW's FFTW_MEASURE planning.</remarks>
public static class LongRangeBenchmark
{
    private static readonly TimeSpan MinimumTimedSpan = TimeSpan.FromMilliseconds(400);

    /// <summary>Runs with the default sizes (32, 64, 128) and prints a table to <paramref name="output"/>.</summary>
    public static IReadOnlyList<FftTiming> Run(TextWriter output) => Run(output, [32, 64, 128], [1000, 4000]);

    /// <summary>Runs on the given cubic FFT sizes and k-space system sizes and prints tables.</summary>
    /// <param name="output">Where the tables go.</param>
    /// <param name="fftSizes">Points per axis of each cubic FFT.</param>
    /// <param name="atomCounts">Numbers of random charges for the Ewald/PPPM timings (none to skip).</param>
    public static IReadOnlyList<FftTiming> Run(TextWriter output, int[] fftSizes, int[] atomCounts)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(fftSizes);
        ArgumentNullException.ThrowIfNull(atomCounts);
        var hasFftw = FftwNative.TryLoad(out var fftwThreads, out var reason);
        var cores = Environment.ProcessorCount;
        output.WriteLine("3-D complex FFT, double precision, in place, forward: ms per transform, median and best of the runs");
        output.WriteLine("  ours: ComplexFft3D (Stockham mixed radix, parallel over lines)");
        output.WriteLine(hasFftw
            ? $"  FFTW: {FftwNative.Library}, FFTW_MEASURE plan{(fftwThreads ? ", fftw_plan_with_nthreads" : ", single-threaded only")}"
            : $"  FFTW: not measured: {reason}");
        output.WriteLine();
        output.WriteLine(
            $"{"mesh",-8} {"threads",7} {"ours ms",9} {"FFTW ms",9} {"ratio",7} {"ours best",10} {"FFTW best",10} " +
            $"{"ratio",7} {"max rel diff",13}");
        var rows = new List<FftTiming>();
        var threadCounts = cores > 1 ? new[] { 1, cores } : [1];
        foreach (var size in fftSizes)
        {
            foreach (var threads in threadCounts)
            {
                var row = TimeFft(size, threads, hasFftw && (threads == 1 || fftwThreads));
                rows.Add(row);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{$"{size}^3",-8} {threads,7} {row.Milliseconds,9:F3} {Format(row.FftwMilliseconds, "F3"),9} " +
                    $"{Format(row.Ratio),7} {row.BestMilliseconds,10:F3} {Format(row.FftwBestMilliseconds, "F3"),10} " +
                    $"{Format(row.BestRatio),7} {Format(row.MaxRelativeDifference, "E2"),13}"));
            }
        }
        if (atomCounts.Length > 0)
        {
            output.WriteLine();
            TimeSolvers(output, atomCounts);
        }
        return rows;
    }

    private static FftTiming TimeFft(int size, int threads, bool withFftw)
    {
        var count = size * size * size;
        var random = new Random(size);
        var input = new Complex[count];
        for (var i = 0; i < count; i++)
        {
            input[i] = new Complex(random.NextDouble() - 0.5, random.NextDouble() - 0.5);
        }
        var fft = new ComplexFft3D(size, size, size, threads);
        var data = (Complex[])input.Clone();
        fft.Forward(data);
        var (ours, oursBest) = Median(() =>
        {
            Array.Copy(input, data, count);
            var watch = Stopwatch.StartNew();
            fft.Forward(data);
            return watch.Elapsed.TotalMilliseconds;
        });
        if (!withFftw)
        {
            return new FftTiming(size, threads, ours, oursBest, double.NaN, double.NaN, double.NaN);
        }
        var (fftwMs, fftwBest, reference) = TimeFftw(size, threads, input);
        data = (Complex[])input.Clone();
        fft.Forward(data);
        var largest = 0.0;
        var difference = 0.0;
        for (var i = 0; i < count; i++)
        {
            largest = Math.Max(largest, reference[i].Magnitude);
            difference = Math.Max(difference, (reference[i] - data[i]).Magnitude);
        }
        return new FftTiming(size, threads, ours, oursBest, fftwMs, fftwBest, difference / largest);
    }

    private static unsafe (double Milliseconds, double Best, Complex[] Result) TimeFftw(int size, int threads, Complex[] input)
    {
        var count = input.Length;
        var buffer = FftwNative.fftw_malloc((nuint)(count * sizeof(Complex)));
        try
        {
            if (threads > 1)
            {
                FftwNative.fftw_plan_with_nthreads(threads);
            }
            // Row-major n0 x n1 x n2 with n2 fastest: (nz, ny, nx) for our x-fastest layout.
            var plan = FftwNative.fftw_plan_dft_3d(size, size, size, buffer, buffer, FftwNative.Forward, FftwNative.Measure);
            if (threads > 1)
            {
                FftwNative.fftw_plan_with_nthreads(1);
            }
            var pointer = (Complex*)buffer;
            try
            {
                var (milliseconds, best) = Median(() =>
                {
                    input.CopyTo(new Span<Complex>(pointer, count));
                    var watch = Stopwatch.StartNew();
                    FftwNative.fftw_execute(plan);
                    return watch.Elapsed.TotalMilliseconds;
                });
                input.CopyTo(new Span<Complex>(pointer, count));
                FftwNative.fftw_execute(plan);
                return (milliseconds, best, new Span<Complex>(pointer, count).ToArray());
            }
            finally
            {
                FftwNative.fftw_destroy_plan(plan);
            }
        }
        finally
        {
            FftwNative.fftw_free(buffer);
        }
    }

    private static void TimeSolvers(TextWriter output, int[] atomCounts)
    {
        output.WriteLine("k-space solvers at relative accuracy 1e-5, random +-1 charges at 0.1 per unit volume, " +
            "cutoff 10 (lj units): ms per call, median and best; the real-space pairs are the engine's and not timed");
        output.WriteLine($"{"atoms",7} {"solver",-7} {"parameters",-34} {"first call ms",14} {"ms/call",10} {"best ms",10}");
        foreach (var n in atomCounts)
        {
            var length = Math.Cbrt(n / 0.1);
            var random = new Random(n);
            var positions = new double[3 * n];
            var charges = new double[n];
            for (var i = 0; i < 3 * n; i++)
            {
                positions[i] = random.NextDouble() * length;
            }
            for (var i = 0; i < n; i++)
            {
                charges[i] = (i & 1) == 0 ? 1.0 : -1.0;
            }
            var system = new CoulombSystem(positions, charges, OrthogonalBox.Cube(length), 1.0);
            var cutoff = Math.Min(10.0, 0.5 * length);
            var ewald = EwaldSummation.ForAccuracy(system, 1e-5, cutoff);
            var pppm = Pppm.ForAccuracy(system, 1e-5, cutoff);
            var p = ewald.Parameters;
            var q = pppm.Parameters;
            Report(output, n, "ewald", string.Create(CultureInfo.InvariantCulture,
                $"g={p.GEwald:F4} kmax={p.KxMax}"), () => ewald.ComputeKSpace(system));
            Report(output, n, "pppm", string.Create(CultureInfo.InvariantCulture,
                $"g={q.GEwald:F4} mesh={q.Nx}^3 order={q.Order}"), () => pppm.ComputeKSpace(system));
        }
    }

    private static void Report(TextWriter output, int n, string solver, string parameters, Func<CoulombResult> call)
    {
        var watch = Stopwatch.StartNew();
        call();
        var first = watch.Elapsed.TotalMilliseconds;
        var (median, best) = Median(() =>
        {
            var w = Stopwatch.StartNew();
            call();
            return w.Elapsed.TotalMilliseconds;
        });
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{n,7} {solver,-7} {parameters,-34} {first,14:F1} {median,10:F2} {best,10:F2}"));
    }

    // Median and minimum of at least five timed runs, and of as many as fit in MinimumTimedSpan, after two
    // untimed ones.
    private static (double Median, double Best) Median(Func<double> timedRun)
    {
        timedRun();
        timedRun();
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count < 5 || (total.Elapsed < MinimumTimedSpan && samples.Count < 200))
        {
            samples.Add(timedRun());
        }
        samples.Sort();
        return (samples[samples.Count / 2], samples[0]);
    }

    private static string Format(double value, string format = "F2") =>
        double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);
}
