using System.Text;

namespace Dataflow.Kernels.Quantum;

/// <summary>Conversions between determinants and the occupation arrays and tokens the rest of a workload uses.</summary>
/// <remarks>
/// <para>Spin-orbital order: 2p = alpha of spatial orbital p, 2p + 1 = beta (see <see cref="IDeterminant{TSelf}"/>).</para>
/// <para>Tokens: one per spatial orbital, 0 = empty, 1 = alpha only, 2 = beta only, 3 = doubly occupied; the
/// token is the pair of bits (2p, 2p + 1) read as a number, alpha the low bit. This is the 4-state local
/// vocabulary of the NNQS-Transformer (Wu et al., SC'23, arXiv 2306.16705).</para>
/// </remarks>
public static class Determinants
{
    /// <summary>The determinant occupying exactly the spin orbitals in <paramref name="spinOrbitals"/>.</summary>
    /// <exception cref="ArgumentException">A spin orbital appears twice or is out of range.</exception>
    public static T FromOccupied<T>(ReadOnlySpan<int> spinOrbitals)
        where T : unmanaged, IDeterminant<T>
    {
        var determinant = T.Empty;
        foreach (var k in spinOrbitals)
        {
            if ((uint)k >= (uint)T.MaxSpinOrbitals)
            {
                throw new ArgumentException($"spin orbital {k} out of range 0..{T.MaxSpinOrbitals - 1}", nameof(spinOrbitals));
            }
            if (determinant.IsOccupied(k))
            {
                throw new ArgumentException($"spin orbital {k} listed twice", nameof(spinOrbitals));
            }
            determinant = determinant.With(k);
        }
        return determinant;
    }

    /// <summary>The occupied spin orbitals of <paramref name="determinant"/> in ascending order.</summary>
    public static int[] Occupied<T>(T determinant)
        where T : unmanaged, IDeterminant<T>
    {
        var occupied = new int[determinant.ElectronCount];
        determinant.CopyOccupied(occupied);
        return occupied;
    }

    /// <summary>The determinant whose spin orbital k is occupied when <c>occupations[k]</c> is 1 (0 = empty).</summary>
    /// <exception cref="ArgumentException">An entry is not 0 or 1, or the span is longer than the type holds.</exception>
    public static T FromOccupations<T>(ReadOnlySpan<byte> occupations)
        where T : unmanaged, IDeterminant<T>
    {
        if (occupations.Length > T.MaxSpinOrbitals)
        {
            throw new ArgumentException(
                $"{occupations.Length} spin orbitals exceed the {T.MaxSpinOrbitals} this type holds", nameof(occupations));
        }
        var determinant = T.Empty;
        for (var k = 0; k < occupations.Length; k++)
        {
            determinant = occupations[k] switch
            {
                0 => determinant,
                1 => determinant.With(k),
                _ => throw new ArgumentException($"occupation {occupations[k]} at spin orbital {k}: expected 0 or 1", nameof(occupations)),
            };
        }
        return determinant;
    }

    /// <summary>Writes 1 or 0 for each of the first <c>occupations.Length</c> spin orbitals.</summary>
    public static void ToOccupations<T>(T determinant, Span<byte> occupations)
        where T : unmanaged, IDeterminant<T>
    {
        for (var k = 0; k < occupations.Length; k++)
        {
            occupations[k] = determinant.IsOccupied(k) ? (byte)1 : (byte)0;
        }
    }

    /// <summary>The determinant with one token per spatial orbital: 0 empty, 1 alpha, 2 beta, 3 double.</summary>
    /// <exception cref="ArgumentException">A token is above 3, or there are more spatial orbitals than the type holds.</exception>
    public static T FromTokens<T>(ReadOnlySpan<byte> tokens)
        where T : unmanaged, IDeterminant<T>
    {
        if (2 * tokens.Length > T.MaxSpinOrbitals)
        {
            throw new ArgumentException(
                $"{tokens.Length} spatial orbitals exceed the {T.MaxSpinOrbitals / 2} this type holds", nameof(tokens));
        }
        ulong alpha = 0, beta = 0;
        for (var p = 0; p < tokens.Length; p++)
        {
            var token = tokens[p];
            if (token > 3)
            {
                throw new ArgumentException($"token {token} at spatial orbital {p}: expected 0 to 3", nameof(tokens));
            }
            alpha |= (ulong)(token & 1) << p;
            beta |= (ulong)(token >> 1) << p;
        }
        return T.FromSpinStrings(alpha, beta);
    }

    /// <summary>Writes one token per spatial orbital for the first <c>tokens.Length</c> spatial orbitals:
    /// 0 empty, 1 alpha, 2 beta, 3 double.</summary>
    public static void ToTokens<T>(T determinant, Span<byte> tokens)
        where T : unmanaged, IDeterminant<T>
    {
        var alpha = determinant.AlphaString;
        var beta = determinant.BetaString;
        for (var p = 0; p < tokens.Length; p++)
        {
            tokens[p] = (byte)(((alpha >> p) & 1) | (((beta >> p) & 1) << 1));
        }
    }

    /// <summary>The determinant with alpha electrons in <paramref name="alphaOrbitals"/> and beta electrons in
    /// <paramref name="betaOrbitals"/> (0-based spatial orbitals).</summary>
    public static T FromSpatial<T>(ReadOnlySpan<int> alphaOrbitals, ReadOnlySpan<int> betaOrbitals)
        where T : unmanaged, IDeterminant<T>
    {
        Span<int> spinOrbitals = stackalloc int[alphaOrbitals.Length + betaOrbitals.Length];
        for (var i = 0; i < alphaOrbitals.Length; i++)
        {
            spinOrbitals[i] = 2 * alphaOrbitals[i];
        }
        for (var i = 0; i < betaOrbitals.Length; i++)
        {
            spinOrbitals[alphaOrbitals.Length + i] = 2 * betaOrbitals[i] + 1;
        }
        return FromOccupied<T>(spinOrbitals);
    }

    /// <summary>A compact picture of the first <paramref name="orbitalCount"/> spatial orbitals: '2' doubly
    /// occupied, 'a' alpha, 'b' beta, '0' empty, e.g. <c>22a0</c>.</summary>
    public static string Describe<T>(T determinant, int orbitalCount)
        where T : unmanaged, IDeterminant<T>
    {
        Span<byte> tokens = stackalloc byte[orbitalCount];
        ToTokens(determinant, tokens);
        var text = new StringBuilder(orbitalCount);
        foreach (var token in tokens)
        {
            text.Append("0ab2"[token]);
        }
        return text.ToString();
    }
}
