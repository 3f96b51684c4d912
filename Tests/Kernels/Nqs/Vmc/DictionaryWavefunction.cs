using Dataflow.Kernels.Nqs;
using Dataflow.Kernels.Nqs.Vmc;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Tests.Kernels.Nqs.Vmc;

/// <summary>A wavefunction given by a table of real coefficients (phase pi for negative ones), zero elsewhere.</summary>
internal sealed class DictionaryWavefunction(int orbitals, IReadOnlyDictionary<ulong, double> coefficients) : IWavefunctionEvaluator
{
    public int Orbitals => orbitals;

    public void Evaluate(ReadOnlySpan<ulong> bits, Span<double> logAmplitudes, Span<double> phases)
    {
        for (var i = 0; i < bits.Length; i++)
        {
            var c = coefficients.TryGetValue(bits[i], out var v) ? v : 0.0;
            logAmplitudes[i] = c == 0 ? double.NegativeInfinity : Math.Log(Math.Abs(c));
            phases[i] = c < 0 ? Math.PI : 0.0;
        }
    }

    /// <summary>The FCI ground state of a bundled molecule by dense diagonalisation, as a table by bits.</summary>
    public static (Dictionary<ulong, double> Coefficients, double EnergyHartree, LocalEnergy LocalEnergy) FullCi(string molecule)
    {
        var fcidump = BundledMolecules.Load(molecule);
        var local = LocalEnergy.FromFcidump(fcidump);
        var fci = global::Dataflow.Kernels.Quantum.FullCi.SolveDense<Determinant64>(local.Hamiltonian, fcidump.AlphaCount, fcidump.BetaCount);
        var dets = fci.Determinants();
        var table = new Dictionary<ulong, double>();
        for (var i = 0; i < dets.Length; i++)
        {
            table[dets[i].Bits] = fci.Coefficients[i];
        }
        return (table, fci.EnergyHartree, local);
    }

    /// <summary>The configurations whose |c| exceeds <paramref name="threshold"/> as a sample with the given count each.</summary>
    public static SampleResult AsSamples(int orbitals, IReadOnlyDictionary<ulong, double> coefficients, double threshold)
    {
        var kept = coefficients.Where(kv => Math.Abs(kv.Value) > threshold).OrderBy(kv => kv.Key).ToList();
        var tokens = new byte[kept.Count * orbitals];
        for (var i = 0; i < kept.Count; i++)
        {
            OrbitalTokens.FromBits(kept[i].Key, tokens.AsSpan(i * orbitals, orbitals));
        }
        return new SampleResult(
            orbitals,
            tokens,
            kept.Select(kv => Math.Max(1L, (long)Math.Round(1e6 * kv.Value * kv.Value))).ToArray(),
            kept.Select(kv => Math.Log(Math.Abs(kv.Value))).ToArray(),
            kept.Select(kv => kv.Value < 0 ? Math.PI : 0.0).ToArray());
    }
}
