namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Shape of the learning rate after warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Half a cosine from the peak down to <see cref="VmcOptions.FinalLearningRateFraction"/> of it.</summary>
    Cosine,

    /// <summary>peak * sqrt(warmup / t) (the transformer schedule of Vaswani et al., arXiv 1706.03762, eq. 3).</summary>
    InverseSqrt,
}
