using Dataflow.Kernels.Quantum;

namespace Dataflow.Tests.Kernels.Quantum;

/// <summary>A deliberately naive reference: applies H = E_core + sum_pq h_pq a†_p a_q
/// + 1/2 sum_pqrs &lt;pq|rs&gt; a†_p a†_q a_s a_r (Szabo and Ostlund, section 2.4) to a determinant operator by
/// operator, each creation or annihilation acting on a <see cref="UInt128"/> bit string with the Jordan-Wigner sign
/// (-1)^(occupied spin orbitals below). Shares no code with <see cref="MolecularHamiltonian"/> beyond its integrals.</summary>
internal static class SecondQuantization
{
    /// <summary>H|ket&gt; as a map from bit string to amplitude.</summary>
    public static Dictionary<UInt128, double> Apply(MolecularHamiltonian hamiltonian, UInt128 ket)
    {
        var n = hamiltonian.OrbitalCount;
        var m = 2 * n;
        var result = new Dictionary<UInt128, double>();
        void Add(UInt128 state, double amplitude)
        {
            result[state] = result.GetValueOrDefault(state) + amplitude;
        }

        Add(ket, hamiltonian.CoreEnergyHartree);
        for (var q = 0; q < m; q++)
        {
            if (!Annihilate(ket, q, out var s1, out var sign1))
            {
                continue;
            }
            for (var p = 0; p < m; p++)
            {
                if (p % 2 != q % 2 || !Create(s1, p, out var s2, out var sign2))
                {
                    continue;
                }
                Add(s2, sign1 * sign2 * hamiltonian.OneElectron(p / 2, q / 2));
            }
        }
        // a†_p a†_q a_s a_r: a_r acts first.
        for (var r = 0; r < m; r++)
        {
            if (!Annihilate(ket, r, out var s1, out var sign1))
            {
                continue;
            }
            for (var s = 0; s < m; s++)
            {
                if (!Annihilate(s1, s, out var s2, out var sign2))
                {
                    continue;
                }
                for (var q = 0; q < m; q++)
                {
                    if (q % 2 != s % 2 || !Create(s2, q, out var s3, out var sign3))
                    {
                        continue;
                    }
                    for (var p = 0; p < m; p++)
                    {
                        if (p % 2 != r % 2 || !Create(s3, p, out var s4, out var sign4))
                        {
                            continue;
                        }
                        // <pq|rs> = (pr|qs) for matching spins.
                        var integral = hamiltonian.TwoElectron(p / 2, r / 2, q / 2, s / 2);
                        Add(s4, 0.5 * sign1 * sign2 * sign3 * sign4 * integral);
                    }
                }
            }
        }
        return result;
    }

    public static UInt128 Bits(Determinant64 determinant) => determinant.Bits;

    public static UInt128 Bits(Determinant128 determinant) => ((UInt128)determinant.High << 64) | determinant.Low;

    private static bool Annihilate(UInt128 state, int k, out UInt128 result, out int sign)
    {
        var bit = UInt128.One << k;
        result = state & ~bit;
        sign = UInt128.PopCount(state & (bit - 1)) % 2 == 0 ? 1 : -1;
        return (state & bit) != 0;
    }

    private static bool Create(UInt128 state, int k, out UInt128 result, out int sign)
    {
        var bit = UInt128.One << k;
        result = state | bit;
        sign = UInt128.PopCount(state & (bit - 1)) % 2 == 0 ? 1 : -1;
        return (state & bit) == 0;
    }
}
