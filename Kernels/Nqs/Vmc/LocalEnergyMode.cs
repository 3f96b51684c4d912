namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>How <see cref="LocalEnergy"/> obtains psi(x') of connected configurations x'.</summary>
public enum LocalEnergyMode
{
    /// <summary>Every connected x' is evaluated (by inference unless it was sampled): the unbiased local energy.</summary>
    Exact,

    /// <summary>psi(x') is taken from the sampled configurations and treated as zero for any x' not sampled
    /// (the sample-space approximation of QChem-Trainer, arXiv 2506.23809): no inference, biased for small samples.</summary>
    SampleSpace,
}
