namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Hockney-Eastwood optimal influence function for ik-differentiated P3M.</summary>
/// <remarks>
/// <para>G_opt(k) = [sum_m (k . k_m / k_m^2) U^2(k_m) (4 pi) exp(-k_m^2 / 4 g^2)] / (k^2 [sum_m U^2(k_m)]^2),
/// with k_m = k + 2 pi m / h the aliases of k and U the Fourier transform of the assignment function (Hockney
/// &amp; Eastwood 1988 ch. 8; Deserno &amp; Holm, J. Chem. Phys. 109, 7678 (1998) with D(k) = i k; LAMMPS
/// <c>compute_gf_ik</c>).</para>
/// <para>U^2 factorises over axes, so the denominator's alias sum is summed per axis over
/// <see cref="DenominatorImages"/> images, far past convergence (terms fall as m^(-2P)). The numerator does not
/// factorise; it takes <c>max(1, nb)</c> images per side and axis, nb being LAMMPS's count
/// <c>(g L / (pi n)) (-ln 1e-7)^(1/4)</c>, which is 0 for h g &lt; 1.5 (the usual case, where LAMMPS keeps only
/// m = 0). On 200 random charges at accuracies 1e-3 to 1e-6 (orders 5 and 7) one image per side changed the
/// mesh energy by up to 20% of its error at 1e-3 and the RMS force error by under 0.5%; a second image changed
/// nothing in four digits, at five times the cost.</para>
/// </remarks>
public static class InfluenceFunction
{
    /// <summary>Images per side in the per-axis denominator sums.</summary>
    public const int DenominatorImages = 50;

    private const int MinimumNumeratorImages = 1;
    private const double HockneyEastwoodEpsilon = 1.0e-7;

    /// <summary>G_opt on an nx x ny x nz mesh, x fastest; G(0) = 0.</summary>
    public static double[] Compute(OrthogonalBox box, int nx, int ny, int nz, double gEwald, int order)
    {
        box.Validate();
        var axes = new[] { new Axis(box.Lx, nx, gEwald, order), new Axis(box.Ly, ny, gEwald, order),
            new Axis(box.Lz, nz, gEwald, order) };
        var ax = axes[0];
        var ay = axes[1];
        var az = axes[2];
        var green = new double[nx * ny * nz];
        Parallel.For(0, nz, k =>
        {
            var kz = az.Wavenumber[k];
            for (var j = 0; j < ny; j++)
            {
                var ky = ay.Wavenumber[j];
                for (var i = 0; i < nx; i++)
                {
                    var kx = ax.Wavenumber[i];
                    var kSquared = (kx * kx) + (ky * ky) + (kz * kz);
                    var index = i + (nx * (j + (ny * k)));
                    if (kSquared == 0.0)
                    {
                        green[index] = 0.0;
                        continue;
                    }
                    var numerator = 0.0;
                    for (var mz = 0; mz < az.Images; mz++)
                    {
                        var qz = az.Alias[(k * az.Images) + mz];
                        var fz = az.Factor[(k * az.Images) + mz];
                        for (var my = 0; my < ay.Images; my++)
                        {
                            var qy = ay.Alias[(j * ay.Images) + my];
                            var fyz = ay.Factor[(j * ay.Images) + my] * fz;
                            for (var mx = 0; mx < ax.Images; mx++)
                            {
                                var qx = ax.Alias[(i * ax.Images) + mx];
                                var dot = (kx * qx) + (ky * qy) + (kz * qz);
                                var aliasSquared = (qx * qx) + (qy * qy) + (qz * qz);
                                numerator += dot / aliasSquared * ax.Factor[(i * ax.Images) + mx] * fyz;
                            }
                        }
                    }
                    var denominator = ax.AliasSum[i] * ay.AliasSum[j] * az.AliasSum[k];
                    green[index] = 4.0 * Math.PI / kSquared * numerator / (denominator * denominator);
                }
            }
        });
        return green;
    }

    /// <summary>Wavenumber 2 pi p / L of mesh index i, with p = i for i &lt; n/2 and i - n otherwise
    /// (LAMMPS's <c>kper</c>; the Nyquist index of an even mesh maps to -n/2).</summary>
    public static double Wavenumber(int index, int count, double length)
    {
        var p = 2 * index < count ? index : index - count;
        return 2.0 * Math.PI * p / length;
    }

    /// <summary>Per-axis tables: wavenumbers, numerator aliases with their factors, denominator sums.</summary>
    private sealed class Axis
    {
        public Axis(double length, int count, double g, int order)
        {
            var spacing = length / count;
            var lammpsImages = (int)(g * length / (Math.PI * count) * Math.Pow(-Math.Log(HockneyEastwoodEpsilon), 0.25));
            var side = Math.Max(MinimumNumeratorImages, lammpsImages);
            Images = (2 * side) + 1;
            Wavenumber = new double[count];
            Alias = new double[count * Images];
            Factor = new double[count * Images];
            AliasSum = new double[count];
            for (var i = 0; i < count; i++)
            {
                var k = InfluenceFunction.Wavenumber(i, count, length);
                Wavenumber[i] = k;
                for (var m = -side; m <= side; m++)
                {
                    var q = k + (2.0 * Math.PI * m / spacing);
                    // exp(-q^2 / 4 g^2) U^2(q) along this axis, U = (sin(q h/2) / (q h/2))^P.
                    Factor[(i * Images) + m + side] = Math.Exp(-0.25 * q * q / (g * g)) * SincPower(q * spacing / 2, 2 * order);
                    Alias[(i * Images) + m + side] = q;
                }
                var sum = 0.0;
                for (var m = -DenominatorImages; m <= DenominatorImages; m++)
                {
                    sum += SincPower((k * spacing / 2) + (Math.PI * m), 2 * order);
                }
                AliasSum[i] = sum;
            }
        }

        public int Images { get; }

        public double[] Wavenumber { get; }

        public double[] Alias { get; }

        public double[] Factor { get; }

        public double[] AliasSum { get; }

        private static double SincPower(double x, int power) =>
            Math.Abs(x) < 1e-300 ? 1.0 : Math.Pow(Math.Sin(x) / x, power);
    }
}
