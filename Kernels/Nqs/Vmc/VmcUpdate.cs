namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>How <see cref="VmcOptimizer"/> updates the parameters.</summary>
public enum VmcUpdate
{
    /// <summary>AdamW on the energy gradient (annealed and reweighted, see <see cref="VmcOptions"/>) throughout.</summary>
    AdamW,

    /// <summary>Stochastic reconfiguration throughout.</summary>
    StochasticReconfiguration,

    /// <summary>AdamW for <see cref="VmcOptions.ReconfigurationStartFraction"/> of the iterations, then stochastic reconfiguration.</summary>
    AdamWThenReconfiguration,
}
