namespace Dataflow.Kernels.Nqs;

/// <summary>Per-spatial-orbital tokens (0 empty, 1 alpha only, 2 beta only, 3 doubly occupied) and their
/// conversion to spin-orbital bit strings, where bit 2p is the alpha and bit 2p + 1 the beta spin orbital of
/// spatial orbital p.</summary>
/// <remarks>Token t has alpha occupation <c>t &amp; 1</c> and beta occupation <c>t &gt;&gt; 1</c>, so its two
/// bits are exactly the token's binary digits and orbital p contributes <c>t &lt;&lt; 2p</c> to the string.</remarks>
public static class OrbitalTokens
{
    /// <summary>Empty orbital.</summary>
    public const byte Empty = 0;

    /// <summary>One alpha (spin-up) electron.</summary>
    public const byte AlphaOnly = 1;

    /// <summary>One beta (spin-down) electron.</summary>
    public const byte BetaOnly = 2;

    /// <summary>Doubly occupied orbital.</summary>
    public const byte Double = 3;

    /// <summary>Number of distinct tokens.</summary>
    public const int Count = 4;

    /// <summary>Alpha electrons in <paramref name="token"/> (0 or 1).</summary>
    public static int Alpha(int token) => token & 1;

    /// <summary>Beta electrons in <paramref name="token"/> (0 or 1).</summary>
    public static int Beta(int token) => (token >> 1) & 1;

    /// <summary>The spin-orbital string of a configuration of at most 32 spatial orbitals.</summary>
    public static ulong ToBits(ReadOnlySpan<byte> tokens)
    {
        if (tokens.Length > 32)
        {
            throw new ArgumentException($"{tokens.Length} orbitals need 128 bits; use {nameof(ToBits128)}", nameof(tokens));
        }
        var bits = 0UL;
        for (var p = 0; p < tokens.Length; p++)
        {
            bits |= (ulong)CheckToken(tokens[p]) << (2 * p);
        }
        return bits;
    }

    /// <summary>The spin-orbital string of a configuration of at most 64 spatial orbitals.</summary>
    public static UInt128 ToBits128(ReadOnlySpan<byte> tokens)
    {
        if (tokens.Length > ConfigurationSpace.MaxOrbitals)
        {
            throw new ArgumentException($"{tokens.Length} orbitals do not fit 128 bits", nameof(tokens));
        }
        var bits = UInt128.Zero;
        for (var p = 0; p < tokens.Length; p++)
        {
            bits |= (UInt128)CheckToken(tokens[p]) << (2 * p);
        }
        return bits;
    }

    /// <summary>Writes the tokens of the first <c>tokens.Length</c> spatial orbitals of a spin-orbital string.</summary>
    public static void FromBits(ulong bits, Span<byte> tokens)
    {
        if (tokens.Length > 32)
        {
            throw new ArgumentException($"{tokens.Length} orbitals need 128 bits", nameof(tokens));
        }
        for (var p = 0; p < tokens.Length; p++)
        {
            tokens[p] = (byte)((bits >> (2 * p)) & 3);
        }
    }

    /// <summary>The tokens of <paramref name="orbitals"/> spatial orbitals of each spin-orbital string, row after row, as
    /// int64 values ready for a [rows, orbitals] tensor.</summary>
    public static long[] ToTokenRows(ReadOnlySpan<ulong> configurations, int orbitals)
    {
        if (orbitals > 32)
        {
            throw new ArgumentException($"{orbitals} orbitals need 128 bits", nameof(orbitals));
        }
        var tokens = new long[configurations.Length * orbitals];
        for (var r = 0; r < configurations.Length; r++)
        {
            for (var p = 0; p < orbitals; p++)
            {
                tokens[r * orbitals + p] = (long)((configurations[r] >> (2 * p)) & 3);
            }
        }
        return tokens;
    }

    /// <summary>Writes the tokens of the first <c>tokens.Length</c> spatial orbitals of a 128-bit spin-orbital string.</summary>
    public static void FromBits128(UInt128 bits, Span<byte> tokens)
    {
        if (tokens.Length > ConfigurationSpace.MaxOrbitals)
        {
            throw new ArgumentException($"{tokens.Length} orbitals do not fit 128 bits", nameof(tokens));
        }
        for (var p = 0; p < tokens.Length; p++)
        {
            tokens[p] = (byte)((bits >> (2 * p)) & 3);
        }
    }

    private static byte CheckToken(byte token) =>
        token <= Double ? token : throw new ArgumentOutOfRangeException(nameof(token), token, "tokens are 0..3");
}
