namespace Dataflow.Kernels.Md.LongRange;

/// <summary>One row of <see cref="LongRangeBenchmark"/>: a 3-D FFT size timed here and in FFTW.</summary>
/// <param name="Size">Points per axis of the cubic mesh.</param>
/// <param name="Threads">Threads each transform may use.</param>
/// <param name="Milliseconds">Median time of one forward transform with <see cref="ComplexFft3D"/>.</param>
/// <param name="FftwMilliseconds">Median time with FFTW (FFTW_MEASURE plan); NaN when FFTW is absent.</param>
/// <param name="MaxRelativeDifference">Largest |ours - FFTW| over the largest |FFTW| on the same input.</param>
public sealed record FftTiming(
    int Size, int Threads, double Milliseconds, double FftwMilliseconds, double MaxRelativeDifference)
{
    /// <summary>Our time over FFTW's (above 1: slower than FFTW).</summary>
    public double Ratio => Milliseconds / FftwMilliseconds;
}
