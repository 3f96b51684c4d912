using Dataflow.Kernels.Quantum;

namespace Dataflow.Kernels.Nqs.Vmc;

/// <summary>Settings of <see cref="VmcOptimizer"/>.</summary>
/// <remarks>The defaults: AdamW on the annealed objective for the first 20 % of the iterations, then stochastic
/// reconfiguration with capped decays; orbitals visited by energy. They reach chemical accuracy (1.6 mHa) on the bundled
/// H2, LiH, H2O and N2: seed 1 gives 0.000, 0.102, 0.014 and 0.295 mHa through the runtime (<c>dataflow bench --only
/// nqsrun</c>, <c>dataflow run nqs</c>); in this loop H2O with seeds 2 and 3 0.076 and 0.005 mHa, LiH with seed 2 0.167.</remarks>
public sealed record VmcOptions
{
    /// <summary>Default of <see cref="Iterations"/>.</summary>
    public const int DefaultIterations = 700;

    /// <summary>Optimisation steps; default 700. The schedule below is in fractions of it. With 700, N2 (seed 1) was
    /// within 0.7 mHa of FCI from iteration 350 on and ended 0.30 mHa above it; with 1000 (200 AdamW steps instead of
    /// 140) it ended 0.61 mHa above FCI after flat stretches from iteration 550 on, and H2O had converged by iteration
    /// 450.</summary>
    public int Iterations { get; init; } = DefaultIterations;

    /// <summary>Logical samples of the first iteration; default 1e8. Only unique configurations cost work, so large
    /// logical counts are cheap and keep rare configurations in the gradient (NNQS-Transformer samples up to 1e12).</summary>
    public long InitialSamples { get; init; } = 100_000_000;

    /// <summary>Logical samples from <see cref="SampleGrowthIterations"/> on; default 1e12. The count grows
    /// geometrically from <see cref="InitialSamples"/> in between.</summary>
    public long Samples { get; init; } = 1_000_000_000_000;

    /// <summary>Iterations over which the sample count grows; default 150.</summary>
    public int SampleGrowthIterations { get; init; } = 150;

    /// <summary>Peak learning rate; default 1e-2 (2e-3 had not reached H2's FCI energy after 60 iterations).</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Iterations of linear warm-up from 0 to the peak; default 10.</summary>
    public int WarmupIterations { get; init; } = 10;

    /// <summary>Decay after warm-up; default cosine.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Cosine;

    /// <summary>Cosine floor as a fraction of the peak; default 0.05.</summary>
    public double FinalLearningRateFraction { get; init; } = 0.05;

    /// <summary>Decoupled weight decay; default 0 (the energy, not the weights, should decide).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Seeds the model's initial weights and keys every iteration's sampler; default 1.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>How local energies treat unsampled connected configurations; default exact.</summary>
    public LocalEnergyMode LocalEnergyMode { get; init; } = LocalEnergyMode.Exact;

    /// <summary>Final iterations whose energies are averaged for the result; default 10.</summary>
    public int AveragedIterations { get; init; } = 10;

    /// <summary>Gain of the initial phase-head weights, N(0, gain^2 / fan_in); default 2. The model's own 0.02 leaves phase
    /// differences near 0, a stationary point of the phase gradient (Im E_loc ~ sin of phase differences), and the
    /// amplitudes collapse onto the Hartree-Fock determinant before the sign structure is learned. 0 keeps the model's.</summary>
    public double PhaseInitStd { get; init; } = 2.0;

    /// <summary>Exponent a of the gradient weights w_x proportional to |psi(x)|^(2 a) over the unique samples; default 0.7.
    /// 1 gives the energy gradient. With a &lt; 1 the force on log|psi(x)| of a rare configuration x scales as
    /// |psi(x)|^(2 a - 1) instead of |psi(x)|, so double excitations whose amplitude fell early recover instead of dying
    /// at the Hartree-Fock energy. The stationary points are still eigenstates (E_loc constant on the samples), and
    /// reported energies always use the true weights. On LiH 0.7 to 0.8 works, 0.5 and 0.9 stall.</summary>
    public double GradientWeightExponent { get; init; } = 0.7;

    /// <summary>Initial temperature T, hartree, of the annealed objective F = E - T S with S = -sum_x |psi(x)|^2 ln |psi(x)|^2
    /// (variational neural annealing, Hibat-Allah et al., Nat. Mach. Intell. 3, 952 (2021)); default 0.2. The entropy keeps
    /// the autoregressive distribution from collapsing onto a few determinants during the first steep descent. 0 turns it off.</summary>
    public double InitialTemperatureHartree { get; init; } = 0.2;

    /// <summary>Fraction of <see cref="Iterations"/> over which the temperature falls linearly to 0; default 0.3.</summary>
    public double AnnealingFraction { get; init; } = 0.3;

    /// <summary>How parameters are updated; default AdamW for the first <see cref="ReconfigurationStartFraction"/> of the
    /// iterations, then stochastic reconfiguration.</summary>
    public VmcUpdate Update { get; init; } = VmcUpdate.AdamWThenReconfiguration;

    /// <summary>Fraction of <see cref="Iterations"/> run with AdamW before stochastic reconfiguration takes over in
    /// <see cref="VmcUpdate.AdamWThenReconfiguration"/>; default 0.2. AdamW with the annealed objective finds the
    /// Hartree-Fock basin quickly; reconfiguration from a random start stalled on H2O 1.2 to 1.4 Ha above FCI. Switching at
    /// 0.3 of 1000 iterations left H2O with seeds 2 and 3 at 4.8 and 2.3 mHa: the longer AdamW runs, the more
    /// determinants collapse.</summary>
    public double ReconfigurationStartFraction { get; init; } = 0.2;

    /// <summary>Diagonal shift lambda of S; default 1e-5. Directions whose fluctuations have weight below lambda take no
    /// natural-gradient step, so rare determinants recover only when it is small: with 1e-3 H2O stalled 5 mHa above FCI.</summary>
    public double DiagonalShift { get; init; } = 1e-5;

    /// <summary>Most rows of S: with more unique samples, the most frequent half of them and as many draws from the rest
    /// (see <see cref="StochasticReconfiguration.Rows"/>); default 1024.</summary>
    public int ReconfigurationSamples { get; init; } = 1024;

    /// <summary>Largest local-energy excess Re E_loc(x) - E, hartree, that a reconfiguration step acts on, so that no
    /// configuration's log-amplitude is asked to fall by more than the learning rate times this per step; default 2.
    /// Uncapped, N2 stalled 2.0 mHa above FCI: determinants with full-CI weights up to 9e-6 were driven to probabilities
    /// of 1e-38 while their signs were still wrong and never sampled again (the full-CI vector restricted to the
    /// configurations of probability 1e-12 or more lay 2.1 mHa above FCI; 0.15 mHa at the switch to reconfiguration,
    /// 1.2 mHa 100 steps later, 0.28 mHa with the cap); with the cap N2 ended 0.61 mHa above FCI (1000 iterations). Growth (E_loc below E)
    /// and phases are not capped.</summary>
    public double DecayCapHartree { get; init; } = 2.0;

    /// <summary>Largest learning rate of a stochastic-reconfiguration step (imaginary-time step, 1/Ha); default 0.05.</summary>
    public double ReconfigurationLearningRate { get; init; } = 0.05;

    /// <summary>Largest change of ln psi (log-amplitude and phase together) that one reconfiguration step may predict for
    /// any sampled configuration; default 2. A determinant with a small amplitude and a large local energy otherwise
    /// asks for a change of several e-folds in one step, and the run jumps by an hartree or more (H2O, limit 2 without
    /// <see cref="DecayCapHartree"/>: from 82 mHa to 1.7 Ha above FCI within 25 steps). With 0.3 the limit bound on nearly
    /// every N2 step and reconfiguration needed 800 steps to come within 3 mHa (of 1000 iterations).</summary>
    public double MaxLogChange { get; init; } = 2.0;

    /// <summary>Largest root-mean-square change of ln psi over the sample (the metric length of a step,
    /// learning rate * sqrt(delta^T S delta)); default 0.3.</summary>
    public double MaxStep { get; init; } = 0.3;

    /// <summary>Orbital order of the autoregressive model; default by ascending orbital energy (occupied orbitals first).
    /// In the file's order (Psi4 groups orbitals by irreducible representation) VMC on N2 stalled 2 Ha above FCI, in
    /// energy order it reached the Hartree-Fock energy in 40 iterations.</summary>
    public OrbitalOrder OrbitalOrder { get; init; } = OrbitalOrder.Energy;

    /// <summary>libtorch intra-op threads of sampling and local energies; default 1. Their tensors are small (one position
    /// of a batch at a time): with 2 threads N2 sampling took 0.13 to 0.20 s per iteration against 0.05 s with 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>libtorch intra-op threads of energy gradients and of the stochastic-reconfiguration step; default 2. Their
    /// matrix products are large (1024 x 1024 x 6900 for N2): that product alone took 0.40 s on 1 thread and 0.215 s on
    /// 2, and with the blocked kernel (<see cref="StochasticReconfiguration.SymmetricProduct"/>) 2 threads took N2's
    /// step from 0.55-0.66 s to 0.35-0.39 s.</summary>
    /// <remarks>Gradients depend on the thread count, so this is part of the determinism contract like
    /// <see cref="Threads"/>: the same values give the same history wherever the work runs.</remarks>
    public int GradientThreads { get; init; } = 2;

    /// <summary>The transformer; default 2 layers, d_model 16, 4 heads, float64.</summary>
    public NqsModelOptions Model { get; init; } = new() { DModel = 16, PhaseHidden = 32 };

    /// <summary>Whether iteration <paramref name="t"/> (0-based) takes a stochastic-reconfiguration step.</summary>
    public bool UsesReconfigurationAt(int t) => Update switch
    {
        VmcUpdate.StochasticReconfiguration => true,
        VmcUpdate.AdamWThenReconfiguration => t >= (int)Math.Round(ReconfigurationStartFraction * Iterations),
        _ => false,
    };

    /// <summary>The Hamiltonian with its orbitals in <see cref="OrbitalOrder"/>; the energy does not depend on it.</summary>
    public Fcidump Arrange(Fcidump fcidump)
    {
        ArgumentNullException.ThrowIfNull(fcidump);
        return OrbitalOrder == OrbitalOrder.Energy ? fcidump.WithOrbitalOrder(fcidump.EnergyOrder()) : fcidump;
    }

    /// <summary>The learning rate of iteration <paramref name="t"/> (0-based).</summary>
    public double LearningRateAt(int t)
    {
        var warmup = Math.Max(1, WarmupIterations);
        if (t < warmup)
        {
            return LearningRate * (t + 1) / warmup;
        }
        if (Decay == LearningRateDecay.InverseSqrt)
        {
            return LearningRate * Math.Sqrt((double)warmup / (t + 1));
        }
        var span = Math.Max(1, Iterations - warmup);
        var progress = Math.Min(1.0, (double)(t - warmup) / span);
        var floor = FinalLearningRateFraction;
        return LearningRate * (floor + (1.0 - floor) * 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>The annealing temperature of iteration <paramref name="t"/> (0-based), hartree.</summary>
    public double TemperatureAt(int t)
    {
        var span = AnnealingFraction * Iterations;
        return span <= 0 ? 0.0 : InitialTemperatureHartree * Math.Max(0.0, 1.0 - t / span);
    }

    /// <summary>Logical samples of iteration <paramref name="t"/>.</summary>
    public long SamplesAt(int t)
    {
        if (t >= SampleGrowthIterations || InitialSamples >= Samples)
        {
            return Samples;
        }
        var fraction = (double)t / Math.Max(1, SampleGrowthIterations);
        return (long)Math.Round(InitialSamples * Math.Pow((double)Samples / InitialSamples, fraction));
    }

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Iterations, 1, nameof(Iterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialSamples, 1, nameof(InitialSamples));
        ArgumentOutOfRangeException.ThrowIfLessThan(Samples, 1, nameof(Samples));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay, nameof(WeightDecay));
        ArgumentOutOfRangeException.ThrowIfLessThan(AveragedIterations, 1, nameof(AveragedIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(GradientThreads, 1, nameof(GradientThreads));
        ArgumentOutOfRangeException.ThrowIfNegative(PhaseInitStd, nameof(PhaseInitStd));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(GradientWeightExponent, nameof(GradientWeightExponent));
        ArgumentOutOfRangeException.ThrowIfNegative(InitialTemperatureHartree, nameof(InitialTemperatureHartree));
        ArgumentOutOfRangeException.ThrowIfNegative(AnnealingFraction, nameof(AnnealingFraction));
        ArgumentOutOfRangeException.ThrowIfNegative(ReconfigurationStartFraction, nameof(ReconfigurationStartFraction));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ReconfigurationStartFraction, 1.0, nameof(ReconfigurationStartFraction));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DiagonalShift, nameof(DiagonalShift));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconfigurationSamples, 1, nameof(ReconfigurationSamples));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ReconfigurationLearningRate, nameof(ReconfigurationLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxLogChange, nameof(MaxLogChange));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxStep, nameof(MaxStep));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DecayCapHartree, nameof(DecayCapHartree));
        if (!Enum.IsDefined(Update))
        {
            throw new ArgumentOutOfRangeException(nameof(Update), Update, "unknown update");
        }
        ArgumentNullException.ThrowIfNull(Model, nameof(Model));
        Model.Validate();
    }
}
