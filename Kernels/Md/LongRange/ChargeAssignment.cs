namespace Dataflow.Kernels.Md.LongRange;

/// <summary>The P3M charge assignment function of order P: the cardinal B-spline of P mesh spacings.</summary>
/// <remarks>
/// <para>W_1 is the unit box (nearest grid point); W_(P+1)(x) = integral from x-1/2 to x+1/2 of W_P
/// (Hockney &amp; Eastwood, Computer Simulation Using Particles, 1988, ch. 5; Deserno &amp; Holm, J. Chem. Phys.
/// 109, 7678 (1998), sec. II and appendix E). W_P is a polynomial of degree P-1 on each of P unit intervals. With
/// every piece written in its local variable s in [-1/2, 1/2], the recursion reads
/// <c>piece'_j(s) = [A_(j-1)(1/2) - A_(j-1)(s)] + [A_j(s) - A_j(-1/2)]</c> where A_j is the antiderivative of
/// piece_j: the same polynomial table LAMMPS's <c>compute_rho_coeff</c> builds, derived here from the
/// convolution.</para>
/// <para>A particle at mesh coordinate u (position over spacing) gives weight to P consecutive points. For odd
/// P they are centred on the nearest point, for even P on the nearest cell midpoint, and the weights are the
/// pieces evaluated at the particle's offset from that centre (LAMMPS <c>compute_rho1d</c>).</para>
/// </remarks>
public sealed class ChargeAssignment
{
    /// <summary>Largest order supported (LAMMPS's MAXORDER).</summary>
    public const int MaxOrder = 7;

    // _pieces[j * Order + l]: coefficient of s^l in piece j (j = 0 is the leftmost interval).
    private readonly double[] _pieces;

    /// <summary>Builds the assignment function of order <paramref name="order"/> (1 to 7).</summary>
    public ChargeAssignment(int order)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, MaxOrder);
        Order = order;
        _pieces = BuildPieces(order);
    }

    /// <summary>Number of mesh points each particle touches per axis.</summary>
    public int Order { get; }

    /// <summary>Coefficient of s^<paramref name="power"/> in piece <paramref name="piece"/> (0 = leftmost).</summary>
    public double Coefficient(int piece, int power) => _pieces[(piece * Order) + power];

    /// <summary>Weights of the P mesh points a particle at mesh coordinate <paramref name="meshCoordinate"/>
    /// touches; returns the (unwrapped) index of the first of them.</summary>
    /// <param name="meshCoordinate">Position divided by the mesh spacing.</param>
    /// <param name="weights">Receives <see cref="Order"/> weights, for points first, first+1, ...</param>
    public int Weights(double meshCoordinate, Span<double> weights)
    {
        var order = Order;
        int centre;
        double offset;
        if ((order & 1) == 1)
        {
            centre = (int)Math.Floor(meshCoordinate + 0.5);
            offset = meshCoordinate - centre;
        }
        else
        {
            centre = (int)Math.Floor(meshCoordinate);
            offset = meshCoordinate - centre - 0.5;
        }
        // Point first+i sits at distance (offset - k) from the centre with k = i - (P-1)/2, which falls in
        // piece P-1-i at local coordinate offset, for odd and even P alike.
        for (var i = 0; i < order; i++)
        {
            var piece = (order - 1 - i) * order;
            var value = 0.0;
            for (var l = order - 1; l >= 0; l--)
            {
                value = (value * offset) + _pieces[piece + l];
            }
            weights[i] = value;
        }
        return centre - ((order - 1) / 2);
    }

    /// <summary>Fourier transform of W_P on a mesh of spacing h, per axis: <c>(sin(k h/2) / (k h/2))^P</c>
    /// (Hockney &amp; Eastwood ch. 7), normalised to 1 at k = 0.</summary>
    public double FourierTransform(double kTimesSpacing)
    {
        var x = 0.5 * kTimesSpacing;
        return x == 0.0 ? 1.0 : Math.Pow(Math.Sin(x) / x, Order);
    }

    private static double[] BuildPieces(int order)
    {
        // Order 1: one piece, the constant 1.
        var pieces = new double[][] { [1.0] };
        for (var p = 1; p < order; p++)
        {
            var next = new double[p + 1][];
            for (var j = 0; j <= p; j++)
            {
                var polynomial = new double[p + 1];
                if (j - 1 >= 0)
                {
                    // [A_(j-1)(1/2) - A_(j-1)(s)]: the part of the window left of the new piece's centre.
                    var left = Antiderivative(pieces[j - 1]);
                    polynomial[0] += Evaluate(left, 0.5);
                    for (var l = 0; l < left.Length; l++)
                    {
                        polynomial[l] -= left[l];
                    }
                }
                if (j < p)
                {
                    // [A_j(s) - A_j(-1/2)]: the part right of it.
                    var right = Antiderivative(pieces[j]);
                    for (var l = 0; l < right.Length; l++)
                    {
                        polynomial[l] += right[l];
                    }
                    polynomial[0] -= Evaluate(right, -0.5);
                }
                next[j] = polynomial;
            }
            pieces = next;
        }
        var flat = new double[order * order];
        for (var j = 0; j < order; j++)
        {
            for (var l = 0; l < order; l++)
            {
                flat[(j * order) + l] = pieces[j][l];
            }
        }
        return flat;
    }

    private static double[] Antiderivative(double[] polynomial)
    {
        var result = new double[polynomial.Length + 1];
        for (var l = 0; l < polynomial.Length; l++)
        {
            result[l + 1] = polynomial[l] / (l + 1);
        }
        return result;
    }

    private static double Evaluate(double[] polynomial, double s)
    {
        var value = 0.0;
        for (var l = polynomial.Length - 1; l >= 0; l--)
        {
            value = (value * s) + polynomial[l];
        }
        return value;
    }
}
