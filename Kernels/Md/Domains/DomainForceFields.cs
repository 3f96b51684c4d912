using Dataflow.Kernels.Numerics;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>Makes the <see cref="IDomainForceField"/> of an engine pair style: a <see cref="DomainNeighborList"/>
/// and the style's <see cref="IDomainPairStyle"/> loop.</summary>
public static class DomainForceFields
{
    /// <summary>The domain force field of <paramref name="pairStyle"/> (<see cref="LennardJonesCut"/> or
    /// <see cref="Coulomb.LennardJonesCutCoulombLong"/>), running its loops on <paramref name="threads"/> threads.</summary>
    public static IDomainForceField Create(IForceProvider pairStyle, UnitSystem units, int threads) =>
        new ForceField(DomainPairStyles.Create(pairStyle, units, threads), threads);

    private sealed class ForceField(IDomainPairStyle style, int threads) : IDomainForceField
    {
        private readonly DomainNeighborList _list = new(threads);
        private ForceResult _result = new(0);

        public string Name => style.Name;

        public double Cutoff => style.Cutoff;

        public long PairCount => _list.EntryCount;

        public ExactSum CoulombEnergy { get; private set; }

        public void Build(ReadOnlySpan<double> positions, int count, int owned, ReadOnlySpan<long> keys, double listCutoff) =>
            _list.Build(positions, count, owned, keys, listCutoff);

        public void Compute(double[] positions, int[] types, double[]? charges, int owned, bool tally, Span<double> forces,
            Span<double> energy, Span<double> virial)
        {
            if (_result.AtomCount < owned)
            {
                _result = new ForceResult(Math.Max(owned, _result.AtomCount * 3 / 2));
            }
            _result.Requested = tally
                ? ForceTerms.Energy | ForceTerms.Virial | ForceTerms.PerAtomEnergy | ForceTerms.PerAtomVirial
                : ForceTerms.Forces;
            _result.Clear();
            style.Compute(_list, positions, types, style.UsesCharges ? charges : null, _result);
            _result.Forces.AsSpan(0, 3 * owned).CopyTo(forces);
            if (tally)
            {
                _result.PerAtomEnergy.AsSpan(0, owned).CopyTo(energy);
                _result.PerAtomVirial.AsSpan(0, 6 * owned).CopyTo(virial);
                var coulomb = new ExactSum();
                if (style is DomainLennardJonesCutCoulombLong charged)
                {
                    foreach (var e in charged.CoulombEnergy(owned))
                    {
                        coulomb.Add(e);
                    }
                }
                CoulombEnergy = coulomb;
            }
        }
    }
}
