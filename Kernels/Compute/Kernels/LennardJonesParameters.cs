using System.Runtime.InteropServices;

namespace Dataflow.Kernels.Compute.Kernels;

/// <summary>One Lennard-Jones species and a cutoff, passed to <see cref="LennardJonesKernel"/> by value.</summary>
/// <remarks>Holds the squares the kernel needs, so each pair costs no square root.</remarks>
[StructLayout(LayoutKind.Sequential)]
public readonly struct LennardJonesParameters
{
    /// <summary>Parameters for well depth <paramref name="epsilonKjPerMol"/>, contact distance
    /// <paramref name="sigmaNm"/> and a plain (unshifted) cutoff <paramref name="cutoffNm"/>.</summary>
    public LennardJonesParameters(float epsilonKjPerMol, float sigmaNm, float cutoffNm)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigmaNm);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cutoffNm);
        EpsilonKjPerMol = epsilonKjPerMol;
        SigmaSquaredNm2 = sigmaNm * sigmaNm;
        CutoffSquaredNm2 = cutoffNm * cutoffNm;
    }

    /// <summary>Argon with the parameters of Rahman's 1964 molecular-dynamics study, epsilon/k_B = 120 K (0.998 kJ/mol)
    /// and sigma = 0.34 nm, cut off at the customary 2.5 sigma.</summary>
    public static LennardJonesParameters Argon { get; } = new(120f * 0.0083144626f, 0.34f, 2.5f * 0.34f);

    /// <summary>Well depth, kJ/mol.</summary>
    public float EpsilonKjPerMol { get; }

    /// <summary>sigma squared, nm^2.</summary>
    public float SigmaSquaredNm2 { get; }

    /// <summary>Cutoff squared, nm^2; pairs at or beyond it contribute nothing.</summary>
    public float CutoffSquaredNm2 { get; }
}
