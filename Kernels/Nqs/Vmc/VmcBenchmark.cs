namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Targets of the VMC benchmarks (`dataflow bench --only nqs|nqsrun`).</summary>
public static class VmcBenchmark
{
    /// <summary>Chemical accuracy, hartree (1 kcal/mol).</summary>
    public const double ChemicalAccuracyHartree = 1.6e-3;
}
