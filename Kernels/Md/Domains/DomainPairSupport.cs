namespace Dataflow.Kernels.Md.Domains;

/// <summary>Argument checks and per-atom tallies the domain pair loops share.</summary>
internal static class DomainPairSupport
{
    public const ForceTerms TallyTerms =
        ForceTerms.Energy | ForceTerms.Virial | ForceTerms.PerAtomEnergy | ForceTerms.PerAtomVirial;

    /// <summary>True when <paramref name="result"/> asks for any energy or virial term.</summary>
    public static bool WantsTally(ForceResult result) => (result.Requested & TallyTerms) != 0;

    /// <summary>Checks everything the unchecked loops rely on: array sizes against the list and types in range.</summary>
    public static void Validate(
        string style, DomainNeighborList list, double[] positions, int[] types, double[]? charges, bool usesCharges,
        int typeCount, ForceResult result)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(result);
        var count = list.LocalCount;
        if (positions.Length < 3 * count || types.Length < count)
        {
            throw new ArgumentException($"{style}: the list covers {count} local atoms; got {positions.Length} coordinates "
                + $"and {types.Length} types", nameof(positions));
        }
        if (result.AtomCount < list.OwnedCount)
        {
            throw new ArgumentException($"{style}: the result holds {result.AtomCount} atoms, the list owns {list.OwnedCount}", nameof(result));
        }
        for (var i = 0; i < count; i++)
        {
            if ((uint)(types[i] - 1) >= (uint)typeCount)
            {
                throw new ArgumentException($"{style}: local atom {i} has type {types[i]}; types run from 1 to {typeCount}", nameof(types));
            }
        }
        if (usesCharges && (charges is null || charges.Length < count))
        {
            throw new ArgumentException($"{style} needs a charge for each of the {count} local atoms", nameof(charges));
        }
    }
}

/// <summary>Each owned atom's energy and six virial components from one evaluation, added to a
/// <see cref="ForceResult"/> afterwards in owned-atom order.</summary>
internal sealed class DomainTallies
{
    /// <summary>Energy per owned atom.</summary>
    public double[] Energy { get; private set; } = [];

    /// <summary>Virial per owned atom, six each.</summary>
    public double[] Virial { get; private set; } = [];

    public void Ensure(int owned)
    {
        if (Energy.Length < owned)
        {
            Energy = new double[owned + owned / 8];
            Virial = new double[6 * Energy.Length];
        }
    }

    /// <summary>Adds the first <paramref name="owned"/> atoms' values to the per-atom terms
    /// <paramref name="result"/> requests, and their sums, in atom order, to its totals.</summary>
    public void AddTo(ForceResult result, int owned) => AddTo(result, owned, Energy, 1, 0, Virial, 6, 0);

    /// <summary>As <see cref="AddTo(ForceResult, int)"/> from strided storage: atom i's energy at
    /// <c>energy[i * energyStride + energyOffset]</c>, its virial at <c>virial[i * virialStride + virialOffset]</c>
    /// and the five after.</summary>
    public static void AddTo(
        ForceResult result, int owned, ReadOnlySpan<double> energy, int energyStride, int energyOffset,
        ReadOnlySpan<double> virial, int virialStride, int virialOffset)
    {
        var perAtomEnergy = result.Wants(ForceTerms.PerAtomEnergy);
        var perAtomVirial = result.Wants(ForceTerms.PerAtomVirial);
        double total = 0, xx = 0, yy = 0, zz = 0, xy = 0, xz = 0, yz = 0;
        for (var i = 0; i < owned; i++)
        {
            var e = energy[i * energyStride + energyOffset];
            var v = virial.Slice(i * virialStride + virialOffset, 6);
            total += e;
            xx += v[0];
            yy += v[1];
            zz += v[2];
            xy += v[3];
            xz += v[4];
            yz += v[5];
            if (perAtomEnergy)
            {
                result.PerAtomEnergy[i] += e;
            }
            if (perAtomVirial)
            {
                for (var c = 0; c < 6; c++)
                {
                    result.PerAtomVirial[6 * i + c] += v[c];
                }
            }
        }
        result.Energy += total;
        result.Virial[0] += xx;
        result.Virial[1] += yy;
        result.Virial[2] += zz;
        result.Virial[3] += xy;
        result.Virial[4] += xz;
        result.Virial[5] += yz;
    }
}
