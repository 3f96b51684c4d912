namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Point charges in an orthogonal periodic box: what every long-range solver here takes.</summary>
/// <remarks>
/// Energies come out as <c>Qqr2e * q_i q_j / r</c>, in the energy unit that <paramref name="Qqr2e"/> implies:
/// LAMMPS <c>force->qqr2e</c> is 332.06371 (real: kcal/mol, Å, e), 14.399645 (metal: eV, Å, e) and 1 (lj).
/// Positions need not be wrapped into the box.
/// </remarks>
/// <param name="Positions">x0 y0 z0 x1 y1 z1 ... (3N values), in the box's distance unit.</param>
/// <param name="Charges">One charge per atom (N values), in units of the elementary charge for real and metal.</param>
/// <param name="Box">The periodic cell.</param>
/// <param name="Qqr2e">Coulomb prefactor: energy of two unit charges one distance unit apart.</param>
public sealed record CoulombSystem(double[] Positions, double[] Charges, OrthogonalBox Box, double Qqr2e)
{
    /// <summary>Number of atoms.</summary>
    public int Count => Charges.Length;

    /// <summary>Net charge, sum of q_i.</summary>
    public double NetCharge
    {
        get
        {
            var sum = 0.0;
            foreach (var q in Charges)
            {
                sum += q;
            }
            return sum;
        }
    }

    /// <summary>Sum of q_i^2.</summary>
    public double SumOfSquaredCharges
    {
        get
        {
            var sum = 0.0;
            foreach (var q in Charges)
            {
                sum += q * q;
            }
            return sum;
        }
    }

    /// <summary>The same charges with every coordinate and box edge multiplied by <paramref name="factor"/>.</summary>
    public CoulombSystem ScaledUniformly(double factor) => ScaledAlongAxes(factor, factor, factor);

    /// <summary>The same charges with coordinates and box edges multiplied by one factor per axis.</summary>
    public CoulombSystem ScaledAlongAxes(double sx, double sy, double sz)
    {
        var scaled = new double[Positions.Length];
        for (var i = 0; i < Count; i++)
        {
            scaled[3 * i] = Positions[3 * i] * sx;
            scaled[3 * i + 1] = Positions[3 * i + 1] * sy;
            scaled[3 * i + 2] = Positions[3 * i + 2] * sz;
        }
        return this with { Positions = scaled, Box = Box.Scaled(sx, sy, sz) };
    }

    /// <summary>Throws unless the arrays agree in length and every value is finite.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Positions);
        ArgumentNullException.ThrowIfNull(Charges);
        Box.Validate();
        if (Positions.Length != 3 * Charges.Length)
        {
            throw new ArgumentException(
                $"positions hold {Positions.Length} values, expected 3 per charge ({3 * Charges.Length})");
        }
        if (!(Qqr2e > 0) || !double.IsFinite(Qqr2e))
        {
            throw new ArgumentException($"qqr2e must be finite and positive, got {Qqr2e}");
        }
        foreach (var x in Positions)
        {
            if (!double.IsFinite(x))
            {
                throw new ArgumentException("positions must be finite");
            }
        }
        foreach (var q in Charges)
        {
            if (!double.IsFinite(q))
            {
                throw new ArgumentException("charges must be finite");
            }
        }
    }
}
