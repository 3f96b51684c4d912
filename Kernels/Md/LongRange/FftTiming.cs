namespace Dataflow.Kernels.Md.LongRange;

/// <summary>One row of <see cref="LongRangeBenchmark"/>: a 3-D FFT size timed here and in FFTW.</summary>
/// <param name="Size">Points per axis of the cubic mesh.</param>
/// <param name="Threads">Threads each transform may use.</param>
/// <param name="Milliseconds">Median time of one forward transform with <see cref="ComplexFft3D"/>.</param>
/// <param name="BestMilliseconds">Fastest of the same runs: on a shared machine, the least disturbed one.</param>
/// <param name="FftwMilliseconds">Median time with FFTW (FFTW_MEASURE plan); NaN when FFTW is absent.</param>
/// <param name="FftwBestMilliseconds">Fastest FFTW run; NaN when FFTW is absent.</param>
/// <param name="MaxRelativeDifference">Largest |ours - FFTW| over the largest |FFTW| on the same input.</param>
public sealed record FftTiming(
    int Size,
    int Threads,
    double Milliseconds,
    double BestMilliseconds,
    double FftwMilliseconds,
    double FftwBestMilliseconds,
    double MaxRelativeDifference)
{
    /// <summary>Our median over FFTW's (above 1: slower than FFTW).</summary>
    public double Ratio => Milliseconds / FftwMilliseconds;

    /// <summary>Our fastest run over FFTW's fastest.</summary>
    public double BestRatio => BestMilliseconds / FftwBestMilliseconds;
}
