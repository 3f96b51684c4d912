namespace Dataflow.Kernels.Md;

/// <summary>One measured variant of <see cref="MdBenchmark"/>.</summary>
/// <param name="Label">What ran, e.g. <c>dataflow half list (C#)</c> or <c>lmp -in in.lj</c>.</param>
/// <param name="Threads">Threads (Dataflow) or MPI processes (LAMMPS).</param>
/// <param name="Seconds">Wall time of the run, s.</param>
/// <param name="AtomStepsPerSecond">Atoms times steps over seconds.</param>
public sealed record MdBenchmarkRow(string Label, int Threads, double Seconds, double AtomStepsPerSecond);
