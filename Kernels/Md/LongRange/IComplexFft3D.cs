using System.Numerics;

namespace Dataflow.Kernels.Md.LongRange;

/// <summary>An in-place complex-to-complex 3-D FFT on a fixed mesh, as <see cref="Pppm"/> uses it.</summary>
/// <remarks>
/// Layout: element (x, y, z) at <c>x + Nx (y + Ny z)</c>, x fastest (LAMMPS's FFT bricks and FFTW's
/// <c>fftw_plan_dft_3d(nz, ny, nx, ...)</c> agree). <see cref="Forward"/> computes
/// <c>X[k] = sum_j x[j] exp(-2 pi i k.j / N)</c>; <see cref="Inverse"/> the same with +i and no 1/N factor.
/// Implementations must be safe for one caller at a time, not for concurrent calls on one instance.
/// </remarks>
public interface IComplexFft3D
{
    /// <summary>Mesh points along x.</summary>
    int Nx { get; }

    /// <summary>Mesh points along y.</summary>
    int Ny { get; }

    /// <summary>Mesh points along z.</summary>
    int Nz { get; }

    /// <summary>Forward transform, in place.</summary>
    void Forward(Complex[] data);

    /// <summary>Unnormalised inverse transform, in place.</summary>
    void Inverse(Complex[] data);
}
