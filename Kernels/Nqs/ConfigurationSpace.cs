namespace Dataflow.Kernels.Nqs;

/// <summary>The configurations an NQS ansatz describes: <see cref="Orbitals"/> spatial orbitals holding
/// <see cref="AlphaElectrons"/> spin-up and <see cref="BetaElectrons"/> spin-down electrons, one
/// <see cref="OrbitalTokens"/> token per orbital.</summary>
public sealed record ConfigurationSpace
{
    /// <summary>Largest orbital count: a configuration must fit the 128-bit spin-orbital string.</summary>
    public const int MaxOrbitals = 64;

    /// <summary>Builds the space, checking 1 &lt;= K &lt;= 64 and 0 &lt;= N_alpha, N_beta &lt;= K.</summary>
    public ConfigurationSpace(int orbitals, int alphaElectrons, int betaElectrons)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(orbitals, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orbitals, MaxOrbitals);
        ArgumentOutOfRangeException.ThrowIfNegative(alphaElectrons);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alphaElectrons, orbitals);
        ArgumentOutOfRangeException.ThrowIfNegative(betaElectrons);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(betaElectrons, orbitals);
        Orbitals = orbitals;
        AlphaElectrons = alphaElectrons;
        BetaElectrons = betaElectrons;
    }

    /// <summary>K, the number of spatial orbitals (sequence length of the ansatz).</summary>
    public int Orbitals { get; }

    /// <summary>N_alpha, the number of spin-up electrons.</summary>
    public int AlphaElectrons { get; }

    /// <summary>N_beta, the number of spin-down electrons.</summary>
    public int BetaElectrons { get; }

    /// <summary>The number of valid configurations, C(K, N_alpha) * C(K, N_beta), as a double (it can exceed 2^63).</summary>
    public double Dimension => Binomial(Orbitals, AlphaElectrons) * Binomial(Orbitals, BetaElectrons);

    /// <summary>Whether <paramref name="token"/> may occupy orbital <paramref name="position"/> after a prefix that
    /// used <paramref name="alphaUsed"/> and <paramref name="betaUsed"/> electrons, so that a completion with exactly
    /// N_alpha and N_beta electrons still exists.</summary>
    /// <remarks>With r = K - position - 1 orbitals left afterwards, a token adding (da, db) is allowed iff
    /// a + da &lt;= N_a, b + db &lt;= N_b, N_a - a - da &lt;= r and N_b - b - db &lt;= r.</remarks>
    public bool IsAllowed(int alphaUsed, int betaUsed, int position, int token)
    {
        var remaining = Orbitals - position - 1;
        var a = alphaUsed + OrbitalTokens.Alpha(token);
        var b = betaUsed + OrbitalTokens.Beta(token);
        return a <= AlphaElectrons && b <= BetaElectrons
            && AlphaElectrons - a <= remaining && BetaElectrons - b <= remaining;
    }

    /// <summary>Whether <paramref name="tokens"/> has K tokens in 0..3 with exactly N_alpha and N_beta electrons.</summary>
    public bool IsValid(ReadOnlySpan<byte> tokens)
    {
        if (tokens.Length != Orbitals)
        {
            return false;
        }
        int a = 0, b = 0;
        foreach (var t in tokens)
        {
            if (t > OrbitalTokens.Double)
            {
                return false;
            }
            a += OrbitalTokens.Alpha(t);
            b += OrbitalTokens.Beta(t);
        }
        return a == AlphaElectrons && b == BetaElectrons;
    }

    /// <summary>Whether the spin-orbital string <paramref name="bits"/> (orbital p's token in bits 2p and 2p + 1, see
    /// <see cref="OrbitalTokens.ToBits"/>) holds exactly N_alpha and N_beta electrons.</summary>
    public bool HasElectronCounts(ulong bits)
        => System.Numerics.BitOperations.PopCount(bits & AlphaBits) == AlphaElectrons
            && System.Numerics.BitOperations.PopCount(bits & ~AlphaBits) == BetaElectrons;

    // Bit 2p of every orbital p: its alpha spin orbital.
    private const ulong AlphaBits = 0x5555_5555_5555_5555UL;

    /// <summary>Every valid configuration, flat (K tokens each) in lexicographic order of the token strings.</summary>
    /// <remarks>For tests and exact sums over small spaces; the count is <see cref="Dimension"/>.</remarks>
    public byte[] Enumerate()
    {
        if (Dimension > 1 << 24)
        {
            throw new InvalidOperationException($"{Dimension} configurations are too many to enumerate");
        }
        var result = new List<byte>((int)Dimension * Orbitals);
        var prefix = new byte[Orbitals];
        Fill(0, 0, 0);
        return [.. result];

        void Fill(int position, int a, int b)
        {
            if (position == Orbitals)
            {
                result.AddRange(prefix);
                return;
            }
            for (var t = 0; t < OrbitalTokens.Count; t++)
            {
                if (IsAllowed(a, b, position, t))
                {
                    prefix[position] = (byte)t;
                    Fill(position + 1, a + OrbitalTokens.Alpha(t), b + OrbitalTokens.Beta(t));
                }
            }
        }
    }

    private static double Binomial(int n, int k)
    {
        var c = 1.0;
        for (var i = 1; i <= k; i++)
        {
            c = c * (n - k + i) / i;
        }
        return Math.Round(c);
    }
}
