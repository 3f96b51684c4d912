namespace Dataflow.Kernels.Nqs;

/// <summary>Settings of <see cref="AutoregressiveSampler"/>.</summary>
public sealed record SamplerOptions
{
    /// <summary>Logical samples N drawn from |psi|^2; only unique configurations are materialised. Default 100 000.</summary>
    public long Samples { get; init; } = 100_000;

    /// <summary>Job seed keying every tree node's random stream.</summary>
    public long Seed { get; init; }

    /// <summary>Optimisation iteration: a new iteration draws a new, independent sample. Default 0.</summary>
    public long Iteration { get; init; }

    /// <summary>M, the most prefixes expanded in one batch; bounds memory. Default 4096.</summary>
    public int ChunkPrefixes { get; init; } = 4096;

    /// <summary>Whether steps reuse cached keys and values (default) or rerun every prefix from its start.</summary>
    public bool UseKvCache { get; init; } = true;
}
