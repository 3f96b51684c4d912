using System.Numerics;

namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Classical Ewald summation of point charges in an orthogonal periodic box.</summary>
/// <remarks>
/// <para>Conventions are LAMMPS's <c>kspace_style ewald</c> with <c>pair_style coul/long</c>:
/// E = E_real + E_recip + E_self + E_background, where (Gaussian units, times qqr2e)
/// E_real = sum_{i&lt;j, r&lt;rc} q_i q_j erfc(g r)/r,
/// E_recip = (2 pi / V) sum_{k != 0} exp(-k^2 / 4g^2) / k^2 |S(k)|^2 with S(k) = sum_j q_j exp(i k.r_j),
/// E_self = -(g / sqrt(pi)) sum_i q_i^2, and E_background = -pi Q^2 / (2 g^2 V) for net charge Q
/// (Frenkel &amp; Smit, Understanding Molecular Simulation, 2nd ed., sec. 12.1; Hub, de Groot &amp; van der Spoel, JCTC 10, 381 (2014) for the background).
/// The boundary condition at infinity is conducting ("tinfoil"): no dipole term.</para>
/// <para><see cref="ComputeKSpace"/> is the part LAMMPS's kspace style computes; <see cref="Compute"/> adds the
/// real-space pairs through <see cref="CoulombRealSpace"/>. The reduction over k-vectors runs in fixed chunks
/// merged in order, so results are bitwise reproducible whatever the thread count.</para>
/// </remarks>
public sealed class EwaldSummation
{
    private const int ReductionChunks = 16;
    private const double KCutoffMargin = 1.00001;

    /// <summary>Creates a sum with the given parameters.</summary>
    public EwaldSummation(EwaldParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(parameters.GEwald > 0) || !(parameters.Cutoff > 0)
            || parameters.KxMax < 0 || parameters.KyMax < 0 || parameters.KzMax < 0)
        {
            throw new ArgumentException($"invalid Ewald parameters {parameters}");
        }
        Parameters = parameters;
    }

    /// <summary>Splitting, cutoff and k range in use.</summary>
    public EwaldParameters Parameters { get; }

    /// <summary>A sum whose parameters meet <paramref name="relativeAccuracy"/> for this system and cutoff.</summary>
    public static EwaldSummation ForAccuracy(CoulombSystem system, double relativeAccuracy, double cutoff) =>
        new(EwaldParameters.ForAccuracy(system, relativeAccuracy, cutoff));

    /// <summary>Real-space plus k-space: the complete Coulomb energy, forces and virial.</summary>
    public CoulombResult Compute(CoulombSystem system) => ComputeRealSpace(system).Plus(ComputeKSpace(system));

    /// <summary>The real-space pairs only (what the MD engine's pair loop computes).</summary>
    public CoulombResult ComputeRealSpace(CoulombSystem system) =>
        CoulombRealSpace.Compute(system, Parameters.GEwald, Parameters.Cutoff);

    /// <summary>Reciprocal sum plus self and neutralising-background terms.</summary>
    public CoulombResult ComputeKSpace(CoulombSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        system.Validate();
        var n = system.Count;
        var box = system.Box;
        var g = Parameters.GEwald;
        var volume = box.Volume;
        var kVectors = EnumerateHalfSpace(box);
        var phases = AxisPhases(system);

        // Each chunk of k-vectors accumulates its own sums; chunks are merged in index order.
        var partials = new Partial[ReductionChunks];
        Parallel.For(0, ReductionChunks, chunk =>
        {
            var partial = new Partial(n);
            var begin = (int)((long)kVectors.Count * chunk / ReductionChunks);
            var end = (int)((long)kVectors.Count * (chunk + 1) / ReductionChunks);
            var phase = new Complex[n];
            for (var index = begin; index < end; index++)
            {
                AccumulateK(system, kVectors[index], phases, g, phase, partial);
            }
            partials[chunk] = partial;
        });

        // Half of k-space is summed: the -k term equals the k term, hence 4 pi / V for energy and virial and
        // 8 pi / V for forces (the energy above and its gradient).
        var energyScale = system.Qqr2e * 4.0 * Math.PI / volume;
        var forceScale = 2.0 * energyScale;
        var result = CoulombResult.Zero(n);
        var energy = 0.0;
        foreach (var partial in partials)
        {
            energy += partial.Energy;
            for (var a = 0; a < 6; a++)
            {
                result.Virial[a] += partial.Virial[a];
            }
            for (var i = 0; i < n; i++)
            {
                result.PerAtomEnergy[i] += partial.PerAtomEnergy[i];
            }
            for (var i = 0; i < 3 * n; i++)
            {
                result.Forces[i] += partial.Forces[i];
            }
        }
        energy *= energyScale;
        for (var a = 0; a < 6; a++)
        {
            result.Virial[a] *= energyScale;
        }
        for (var i = 0; i < 3 * n; i++)
        {
            result.Forces[i] *= forceScale;
        }

        var q = system.Charges;
        var netCharge = system.NetCharge;
        // Self term -g/sqrt(pi) q_i^2 and background -pi q_i Q / (2 g^2 V) per atom, as LAMMPS ewald.cpp
        // splits them for eatom.
        var selfScale = system.Qqr2e * g / Math.Sqrt(Math.PI);
        var backgroundScale = system.Qqr2e * Math.PI / (2.0 * g * g * volume);
        for (var i = 0; i < n; i++)
        {
            result.PerAtomEnergy[i] = (energyScale * result.PerAtomEnergy[i])
                - (selfScale * q[i] * q[i]) - (backgroundScale * q[i] * netCharge);
        }
        var selfEnergy = -selfScale * system.SumOfSquaredCharges;
        var backgroundEnergy = -backgroundScale * netCharge * netCharge;
        // The background energy scales as 1/V, so -dE/d(strain_aa) = E_background on each diagonal element.
        for (var a = 0; a < 3; a++)
        {
            result.Virial[a] += backgroundEnergy;
        }
        return result with { Energy = energy + selfEnergy + backgroundEnergy };
    }

    private static void AccumulateK(
        CoulombSystem system, KVector k, AxisPhaseTable phases, double g, Complex[] phase, Partial partial)
    {
        var n = system.Count;
        var q = system.Charges;
        var structure = Complex.Zero;
        for (var i = 0; i < n; i++)
        {
            var p = phases.Phase(i, k.Nx, k.Ny, k.Nz);
            phase[i] = p;
            structure += q[i] * p;
        }
        var kSquared = k.SquaredLength;
        // exp(-k^2 / 4 g^2) / k^2: the Fourier transform of the Gaussian-screened part (Frenkel & Smit sec. 12.1).
        var weight = Math.Exp(-0.25 * kSquared / (g * g)) / kSquared;
        var conjugate = Complex.Conjugate(structure);
        var magnitudeSquared = (structure.Real * structure.Real) + (structure.Imaginary * structure.Imaginary);
        partial.Energy += weight * magnitudeSquared;
        for (var i = 0; i < n; i++)
        {
            var product = phase[i] * conjugate;
            var atomWeight = weight * q[i];
            partial.PerAtomEnergy[i] += atomWeight * product.Real;
            // F_i = -dE/dr_i = (4 pi / V) q_i sum_k w(k) k Im(exp(i k.r_i) S*(k)), summed over the full k-space.
            var forceWeight = atomWeight * product.Imaginary;
            partial.Forces[3 * i] += forceWeight * k.X;
            partial.Forces[(3 * i) + 1] += forceWeight * k.Y;
            partial.Forces[(3 * i) + 2] += forceWeight * k.Z;
        }
        // Strain derivative of one k term: E_k (delta_ab - 2 (1/k^2 + 1/(4 g^2)) k_a k_b), LAMMPS ewald.cpp vg.
        var energyK = weight * magnitudeSquared;
        var vterm = -2.0 * ((1.0 / kSquared) + (0.25 / (g * g)));
        partial.Virial[0] += energyK * (1.0 + (vterm * k.X * k.X));
        partial.Virial[1] += energyK * (1.0 + (vterm * k.Y * k.Y));
        partial.Virial[2] += energyK * (1.0 + (vterm * k.Z * k.Z));
        partial.Virial[3] += energyK * vterm * k.X * k.Y;
        partial.Virial[4] += energyK * vterm * k.X * k.Z;
        partial.Virial[5] += energyK * vterm * k.Y * k.Z;
    }

    private List<KVector> EnumerateHalfSpace(OrthogonalBox box)
    {
        var unitX = 2.0 * Math.PI / box.Lx;
        var unitY = 2.0 * Math.PI / box.Ly;
        var unitZ = 2.0 * Math.PI / box.Lz;
        var kxMax = Parameters.KxMax;
        var kyMax = Parameters.KyMax;
        var kzMax = Parameters.KzMax;
        var cutoffSquared = KCutoffMargin * Math.Max(
            Square(unitX * kxMax), Math.Max(Square(unitY * kyMax), Square(unitZ * kzMax)));
        var list = new List<KVector>();
        for (var nx = 0; nx <= kxMax; nx++)
        {
            for (var ny = -kyMax; ny <= kyMax; ny++)
            {
                for (var nz = -kzMax; nz <= kzMax; nz++)
                {
                    // One of each +k/-k pair: the first non-zero component is positive.
                    if (nx == 0 && (ny < 0 || (ny == 0 && nz <= 0)))
                    {
                        continue;
                    }
                    var k = new KVector(nx, ny, nz, unitX * nx, unitY * ny, unitZ * nz);
                    if (k.SquaredLength <= cutoffSquared)
                    {
                        list.Add(k);
                    }
                }
            }
        }
        return list;
    }

    private AxisPhaseTable AxisPhases(CoulombSystem system) =>
        new(system, Parameters.KxMax, Parameters.KyMax, Parameters.KzMax);

    private static double Square(double x) => x * x;

    private readonly record struct KVector(int Nx, int Ny, int Nz, double X, double Y, double Z)
    {
        public double SquaredLength => (X * X) + (Y * Y) + (Z * Z);
    }

    private sealed class Partial(int atomCount)
    {
        public double Energy;
        public readonly double[] PerAtomEnergy = new double[atomCount];
        public readonly double[] Forces = new double[3 * atomCount];
        public readonly double[] Virial = new double[6];
    }

    /// <summary>exp(i 2 pi n x_a / L_a) for each atom, axis and 0 &lt;= n &lt;= kmax, from direct sin/cos.</summary>
    private sealed class AxisPhaseTable
    {
        private readonly Complex[] _x;
        private readonly Complex[] _y;
        private readonly Complex[] _z;
        private readonly int _strideX;
        private readonly int _strideY;
        private readonly int _strideZ;

        public AxisPhaseTable(CoulombSystem system, int kxMax, int kyMax, int kzMax)
        {
            _strideX = kxMax + 1;
            _strideY = kyMax + 1;
            _strideZ = kzMax + 1;
            _x = Fill(system, 0, kxMax);
            _y = Fill(system, 1, kyMax);
            _z = Fill(system, 2, kzMax);
        }

        public Complex Phase(int atom, int nx, int ny, int nz)
        {
            var px = _x[(atom * _strideX) + nx];
            var py = _y[(atom * _strideY) + Math.Abs(ny)];
            var pz = _z[(atom * _strideZ) + Math.Abs(nz)];
            if (ny < 0)
            {
                py = Complex.Conjugate(py);
            }
            if (nz < 0)
            {
                pz = Complex.Conjugate(pz);
            }
            return px * py * pz;
        }

        private static Complex[] Fill(CoulombSystem system, int axis, int kmax)
        {
            var n = system.Count;
            var table = new Complex[n * (kmax + 1)];
            var unit = 2.0 * Math.PI / system.Box.Length(axis);
            for (var i = 0; i < n; i++)
            {
                var x = system.Positions[(3 * i) + axis];
                for (var k = 0; k <= kmax; k++)
                {
                    var (sin, cos) = Math.SinCos(unit * k * x);
                    table[(i * (kmax + 1)) + k] = new Complex(cos, sin);
                }
            }
            return table;
        }
    }
}
