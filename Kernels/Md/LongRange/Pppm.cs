using System.Numerics;

namespace Dataflow.Kernels.Md.LongRange;

/// <summary>Particle-particle particle-mesh (P3M) k-space solver with ik differentiation, as LAMMPS
/// <c>kspace_style pppm</c>.</summary>
/// <remarks>
/// <para>Per call: charges are spread on the mesh with the order-P assignment function
/// (<see cref="ChargeAssignment"/>) as a density rho (charge per volume); rho is transformed; the
/// optimal influence function G (<see cref="InfluenceFunction"/>) gives the potential phi^(k) = G rho^(k); the
/// field is E = -IFFT(i k phi^) and the force on i is qqr2e q_i sum_mesh W E (Hockney &amp; Eastwood ch. 8;
/// Deserno &amp; Holm 1998 I). Energy and virial come from the mesh sum
/// E = (V / 2M^2) sum_k G |rho^(k)|^2 with the Ewald strain factor (1 - 2 (1/k^2 + 1/4g^2) k_a k_b) per k
/// (LAMMPS <c>poisson_ik</c>), then the self and background terms as in <see cref="EwaldSummation"/>.</para>
/// <para>The four real fields (three gradient components and the potential, for per-atom energies) travel in two
/// complex inverse FFTs, two real fields per transform: each spectrum is Hermitian, so
/// IFFT(A + iB) = a + ib. That needs the Nyquist component of each derivative set to zero, which is also the
/// derivative of the real trigonometric interpolant there (LAMMPS keeps only the real part, which drops it the
/// same way).</para>
/// <para>The influence function is cached for the last box seen. One instance serves one caller at a time.
/// Sums run in a fixed order: results are bitwise reproducible whatever the thread count.</para>
/// </remarks>
public sealed class Pppm
{
    private readonly ChargeAssignment _assignment;
    private readonly IComplexFft3D _fft;
    private readonly Complex[] _density;
    private readonly Complex[] _gradientXY;
    private readonly Complex[] _gradientZPotential;
    private OrthogonalBox _cachedBox;
    private double[]? _green;

    /// <summary>Creates a solver; <paramref name="fftFactory"/> builds the 3-D FFT for (nx, ny, nz) and defaults
    /// to <see cref="ComplexFft3D"/>.</summary>
    public Pppm(PppmParameters parameters, Func<int, int, int, IComplexFft3D>? fftFactory = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(parameters.GEwald > 0) || !(parameters.Cutoff > 0)
            || parameters.Nx < 1 || parameters.Ny < 1 || parameters.Nz < 1)
        {
            throw new ArgumentException($"invalid PPPM parameters {parameters}");
        }
        Parameters = parameters;
        _assignment = new ChargeAssignment(parameters.Order);
        _fft = (fftFactory ?? ((x, y, z) => new ComplexFft3D(x, y, z)))(parameters.Nx, parameters.Ny, parameters.Nz);
        if (_fft.Nx != parameters.Nx || _fft.Ny != parameters.Ny || _fft.Nz != parameters.Nz)
        {
            throw new ArgumentException("the FFT factory returned a transform of the wrong size");
        }
        var count = parameters.Nx * parameters.Ny * parameters.Nz;
        _density = new Complex[count];
        _gradientXY = new Complex[count];
        _gradientZPotential = new Complex[count];
    }

    /// <summary>Splitting, cutoff, mesh and order in use.</summary>
    public PppmParameters Parameters { get; }

    /// <summary>A solver whose parameters meet <paramref name="relativeAccuracy"/> for this system and cutoff.</summary>
    public static Pppm ForAccuracy(
        CoulombSystem system, double relativeAccuracy, double cutoff, int order = PppmParameters.DefaultOrder) =>
        new(PppmParameters.ForAccuracy(system, relativeAccuracy, cutoff, order));

    /// <summary>Real-space plus k-space: the complete Coulomb energy, forces and virial.</summary>
    public CoulombResult Compute(CoulombSystem system) => ComputeRealSpace(system).Plus(ComputeKSpace(system));

    /// <summary>The real-space pairs only (what the MD engine's pair loop computes).</summary>
    public CoulombResult ComputeRealSpace(CoulombSystem system) =>
        CoulombRealSpace.Compute(system, Parameters.GEwald, Parameters.Cutoff);

    /// <summary>Mesh part plus self and neutralising-background terms.</summary>
    public CoulombResult ComputeKSpace(CoulombSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        system.Validate();
        var box = system.Box;
        if (_green is null || box != _cachedBox)
        {
            _green = InfluenceFunction.Compute(
                box, Parameters.Nx, Parameters.Ny, Parameters.Nz, Parameters.GEwald, Parameters.Order);
            _cachedBox = box;
        }
        var stencil = AssignWeights(system);
        SpreadCharges(system, stencil);
        _fft.Forward(_density);
        var (meshEnergy, meshVirial) = SolvePoisson(box, _green);
        _fft.Inverse(_gradientXY);
        _fft.Inverse(_gradientZPotential);
        return Interpolate(system, stencil, meshEnergy, meshVirial);
    }

    private Stencil AssignWeights(CoulombSystem system)
    {
        var n = system.Count;
        var order = Parameters.Order;
        var stencil = new Stencil(n, order);
        var box = system.Box;
        var counts = new[] { Parameters.Nx, Parameters.Ny, Parameters.Nz };
        Parallel.For(0, n, i =>
        {
            for (var axis = 0; axis < 3; axis++)
            {
                var length = box.Length(axis);
                var x = system.Positions[(3 * i) + axis];
                var wrapped = x - (length * Math.Floor(x / length));
                var meshCoordinate = wrapped * counts[axis] / length;
                var slot = (3 * i) + axis;
                var first = _assignment.Weights(meshCoordinate, stencil.Weights.AsSpan(slot * order, order));
                stencil.First[slot] = ((first % counts[axis]) + counts[axis]) % counts[axis];
            }
        });
        return stencil;
    }

    private void SpreadCharges(CoulombSystem system, Stencil stencil)
    {
        var nx = Parameters.Nx;
        var ny = Parameters.Ny;
        var nz = Parameters.Nz;
        var order = Parameters.Order;
        // Density in charge per volume: each mesh point stands for a cell of V / M.
        var inverseCellVolume = (double)nx * ny * nz / system.Box.Volume;
        Array.Clear(_density);
        var w = stencil.Weights;
        for (var i = 0; i < system.Count; i++)
        {
            var q = system.Charges[i] * inverseCellVolume;
            if (q == 0)
            {
                continue;
            }
            var ox = 3 * i * order;
            var oy = ((3 * i) + 1) * order;
            var oz = ((3 * i) + 2) * order;
            var z = stencil.First[(3 * i) + 2];
            for (var c = 0; c < order; c++, z = z + 1 == nz ? 0 : z + 1)
            {
                var qz = q * w[oz + c];
                var y = stencil.First[(3 * i) + 1];
                for (var b = 0; b < order; b++, y = y + 1 == ny ? 0 : y + 1)
                {
                    var qyz = qz * w[oy + b];
                    var x = stencil.First[3 * i];
                    var row = nx * (y + (ny * z));
                    for (var a = 0; a < order; a++, x = x + 1 == nx ? 0 : x + 1)
                    {
                        _density[row + x] += qyz * w[ox + a];
                    }
                }
            }
        }
    }

    // Builds the two packed spectra for the inverse transforms and returns the mesh energy and virial sums,
    // sum_k G |rho^|^2 and sum_k G |rho^|^2 (delta_ab - 2 (1/k^2 + 1/4g^2) k_a k_b), before scaling.
    private (double Energy, double[] Virial) SolvePoisson(OrthogonalBox box, double[] green)
    {
        var nx = Parameters.Nx;
        var ny = Parameters.Ny;
        var nz = Parameters.Nz;
        var g = Parameters.GEwald;
        var inverseCount = 1.0 / ((double)nx * ny * nz);
        var planeEnergy = new double[nz];
        var planeVirial = new double[6 * nz];
        Parallel.For(0, nz, k =>
        {
            var kz = InfluenceFunction.Wavenumber(k, nz, box.Lz);
            var kzDerivative = 2 * k == nz ? 0.0 : kz;
            double energy = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
            for (var j = 0; j < ny; j++)
            {
                var ky = InfluenceFunction.Wavenumber(j, ny, box.Ly);
                var kyDerivative = 2 * j == ny ? 0.0 : ky;
                for (var i = 0; i < nx; i++)
                {
                    var kx = InfluenceFunction.Wavenumber(i, nx, box.Lx);
                    var kxDerivative = 2 * i == nx ? 0.0 : kx;
                    var index = i + (nx * (j + (ny * k)));
                    var rho = _density[index];
                    var gk = green[index];
                    var term = gk * ((rho.Real * rho.Real) + (rho.Imaginary * rho.Imaginary));
                    if (term != 0.0)
                    {
                        var kSquared = (kx * kx) + (ky * ky) + (kz * kz);
                        var vterm = -2.0 * ((1.0 / kSquared) + (0.25 / (g * g)));
                        energy += term;
                        vxx += term * (1.0 + (vterm * kx * kx));
                        vyy += term * (1.0 + (vterm * ky * ky));
                        vzz += term * (1.0 + (vterm * kz * kz));
                        vxy += term * vterm * kx * ky;
                        vxz += term * vterm * kx * kz;
                        vyz += term * vterm * ky * kz;
                    }
                    // phi^ = G rho^ / M, so that the unnormalised inverse transform gives the mesh potential.
                    var phi = rho * (gk * inverseCount);
                    var iPhi = new Complex(-phi.Imaginary, phi.Real);
                    // (i kx phi^) + i (i ky phi^) -> d phi/dx + i d phi/dy; (i kz phi^) + i phi^ -> d phi/dz + i phi.
                    _gradientXY[index] = (iPhi * kxDerivative) + (iPhi * new Complex(0, kyDerivative));
                    _gradientZPotential[index] = (iPhi * kzDerivative) + iPhi;
                }
            }
            planeEnergy[k] = energy;
            planeVirial[6 * k] = vxx;
            planeVirial[(6 * k) + 1] = vyy;
            planeVirial[(6 * k) + 2] = vzz;
            planeVirial[(6 * k) + 3] = vxy;
            planeVirial[(6 * k) + 4] = vxz;
            planeVirial[(6 * k) + 5] = vyz;
        });
        var total = 0.0;
        var virial = new double[6];
        for (var k = 0; k < nz; k++)
        {
            total += planeEnergy[k];
            for (var a = 0; a < 6; a++)
            {
                virial[a] += planeVirial[(6 * k) + a];
            }
        }
        return (total, virial);
    }

    private CoulombResult Interpolate(CoulombSystem system, Stencil stencil, double meshEnergy, double[] meshVirial)
    {
        var n = system.Count;
        var nx = Parameters.Nx;
        var ny = Parameters.Ny;
        var nz = Parameters.Nz;
        var order = Parameters.Order;
        var g = Parameters.GEwald;
        var volume = system.Box.Volume;
        var qqr2e = system.Qqr2e;
        var netCharge = system.NetCharge;
        var selfScale = qqr2e * g / Math.Sqrt(Math.PI);
        var backgroundScale = qqr2e * Math.PI / (2.0 * g * g * volume);
        var result = CoulombResult.Zero(n);
        var w = stencil.Weights;
        Parallel.For(0, n, i =>
        {
            var qi = system.Charges[i];
            if (qi == 0)
            {
                return;
            }
            double ex = 0, ey = 0, ez = 0, phi = 0;
            var ox = 3 * i * order;
            var oy = ((3 * i) + 1) * order;
            var oz = ((3 * i) + 2) * order;
            var z = stencil.First[(3 * i) + 2];
            for (var c = 0; c < order; c++, z = z + 1 == nz ? 0 : z + 1)
            {
                var wz = w[oz + c];
                var y = stencil.First[(3 * i) + 1];
                for (var b = 0; b < order; b++, y = y + 1 == ny ? 0 : y + 1)
                {
                    var wyz = wz * w[oy + b];
                    var x = stencil.First[3 * i];
                    var row = nx * (y + (ny * z));
                    for (var a = 0; a < order; a++, x = x + 1 == nx ? 0 : x + 1)
                    {
                        var weight = wyz * w[ox + a];
                        var xy = _gradientXY[row + x];
                        var zp = _gradientZPotential[row + x];
                        ex -= weight * xy.Real;
                        ey -= weight * xy.Imaginary;
                        ez -= weight * zp.Real;
                        phi += weight * zp.Imaginary;
                    }
                }
            }
            var scale = qqr2e * qi;
            result.Forces[3 * i] = scale * ex;
            result.Forces[(3 * i) + 1] = scale * ey;
            result.Forces[(3 * i) + 2] = scale * ez;
            // LAMMPS pppm.cpp per-atom energy: q_i phi(r_i) / 2 less the self and background shares.
            result.PerAtomEnergy[i] = (0.5 * scale * phi) - (selfScale * qi * qi) - (backgroundScale * qi * netCharge);
        });
        // E_mesh = (V / 2 M^2) sum_k G |rho^|^2 (LAMMPS poisson_ik energy, with the 1/M^2 of two unnormalised FFTs).
        var count = (double)nx * ny * nz;
        var meshScale = qqr2e * 0.5 * volume / (count * count);
        var backgroundEnergy = -backgroundScale * netCharge * netCharge;
        for (var a = 0; a < 6; a++)
        {
            result.Virial[a] = meshScale * meshVirial[a] + (a < 3 ? backgroundEnergy : 0.0);
        }
        var energy = (meshScale * meshEnergy) - (selfScale * system.SumOfSquaredCharges) + backgroundEnergy;
        return result with { Energy = energy };
    }

    /// <summary>Each atom's first mesh index (wrapped) and P weights per axis.</summary>
    private sealed class Stencil(int atomCount, int order)
    {
        public readonly int[] First = new int[3 * atomCount];
        public readonly double[] Weights = new double[3 * atomCount * order];
    }
}
