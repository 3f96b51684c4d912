namespace Dataflow.Kernels.Compute;

/// <summary>Problem sizes and repetitions of <see cref="ComputeBenchmark"/>.</summary>
public sealed record ComputeBenchmarkSettings
{
    /// <summary>Particles in the Lennard-Jones all-pairs launch; default 8192.</summary>
    public int Particles { get; init; } = 8192;

    /// <summary>Elements in the SAXPY launch; default 2^19, small because the emulator takes seconds for it.</summary>
    public int SaxpyLength { get; init; } = 1 << 19;

    /// <summary>Timed launches per variant after one untimed warm-up; the median is reported. Default 7.</summary>
    public int Repetitions { get; init; } = 7;

    /// <summary>Timed launches on ILGPU's CPU emulator, which is orders of magnitude slower on cheap
    /// kernels; default 1.</summary>
    public int EmulatorRepetitions { get; init; } = 1;
}
