namespace Dataflow.Kernels.Md;

/// <summary>A configuration of atoms as a LAMMPS data file holds it: box, per-type masses, and per-atom ids,
/// types, charges, molecules, positions, velocities and image flags.</summary>
/// <remarks>
/// Per-atom vectors are interleaved, <c>[x0, y0, z0, x1, ...]</c>, as LAMMPS stores <c>x[i][0..2]</c>. Atom types
/// count from 1, as in LAMMPS; <see cref="Masses"/> is indexed by type - 1. The arrays are the system's own and
/// are updated in place by a simulation that runs on it.
/// </remarks>
public sealed class MdSystem
{
    /// <summary>A system of <c>ids.Length</c> atoms; arrays are taken, not copied.</summary>
    /// <param name="box">Periodic box.</param>
    /// <param name="typeCount">Number of atom types (data-file <c>atom types</c>).</param>
    /// <param name="ids">Atom ids, positive and distinct.</param>
    /// <param name="types">Atom types, 1 to <paramref name="typeCount"/>.</param>
    /// <param name="positions">3N positions, distance units.</param>
    /// <param name="velocities">3N velocities, velocity units; null for zero.</param>
    /// <param name="images">3N image flags; null for zero.</param>
    /// <param name="masses">Mass per type, index type - 1; null or NaN for not yet set.</param>
    /// <param name="charges">Charge per atom, charge units; required by the charge and full styles.</param>
    /// <param name="moleculeIds">Molecule id per atom; required by the full style.</param>
    /// <param name="style">Atom style of the data file.</param>
    /// <exception cref="ArgumentException">Lengths disagree or a type, id or charge is missing or out of range.</exception>
    public MdSystem(
        OrthogonalBox box,
        int typeCount,
        int[] ids,
        int[] types,
        double[] positions,
        double[]? velocities = null,
        int[]? images = null,
        double[]? masses = null,
        double[]? charges = null,
        int[]? moleculeIds = null,
        AtomStyle style = AtomStyle.Atomic)
    {
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(positions);
        box.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(typeCount, 1);
        var n = ids.Length;
        RequireLength(types.Length, n, nameof(types));
        RequireLength(positions.Length, 3 * n, nameof(positions));
        velocities ??= new double[3 * n];
        images ??= new int[3 * n];
        masses ??= Enumerable.Repeat(double.NaN, typeCount).ToArray();
        RequireLength(velocities.Length, 3 * n, nameof(velocities));
        RequireLength(images.Length, 3 * n, nameof(images));
        RequireLength(masses.Length, typeCount, nameof(masses));
        if (style != AtomStyle.Atomic && charges is null)
        {
            throw new ArgumentException($"atom style {style} needs charges", nameof(charges));
        }
        if (style == AtomStyle.Full && moleculeIds is null)
        {
            throw new ArgumentException("atom style full needs molecule ids", nameof(moleculeIds));
        }
        if (charges is not null)
        {
            RequireLength(charges.Length, n, nameof(charges));
        }
        if (moleculeIds is not null)
        {
            RequireLength(moleculeIds.Length, n, nameof(moleculeIds));
        }
        for (var i = 0; i < n; i++)
        {
            if (types[i] < 1 || types[i] > typeCount)
            {
                throw new ArgumentException($"atom {ids[i]} has type {types[i]}, outside 1..{typeCount}", nameof(types));
            }
        }
        Box = box;
        TypeCount = typeCount;
        Ids = ids;
        Types = types;
        Positions = positions;
        Velocities = velocities;
        Images = images;
        Masses = masses;
        Charges = charges;
        MoleculeIds = moleculeIds;
        Style = style;
    }

    /// <summary>The periodic box.</summary>
    public OrthogonalBox Box { get; set; }

    /// <summary>Number of atom types.</summary>
    public int TypeCount { get; }

    /// <summary>Number of atoms.</summary>
    public int AtomCount => Ids.Length;

    /// <summary>Atom ids in storage order.</summary>
    public int[] Ids { get; }

    /// <summary>Atom types, 1 to <see cref="TypeCount"/>.</summary>
    public int[] Types { get; }

    /// <summary>Positions, interleaved xyz, distance units.</summary>
    public double[] Positions { get; }

    /// <summary>Velocities, interleaved xyz, velocity units.</summary>
    public double[] Velocities { get; }

    /// <summary>Image flags, interleaved xyz: how many box lengths each atom has crossed.</summary>
    public int[] Images { get; }

    /// <summary>Mass per type, index type - 1, mass units; NaN where not set.</summary>
    public double[] Masses { get; }

    /// <summary>Charge per atom, charge units; null for the atomic style.</summary>
    public double[]? Charges { get; }

    /// <summary>Molecule id per atom; null unless the style is full.</summary>
    public int[]? MoleculeIds { get; }

    /// <summary>The atom style the system was read with, and is written with.</summary>
    public AtomStyle Style { get; }

    /// <summary>The data file's title line (its first line).</summary>
    public string Title { get; init; } = "Dataflow md system";

    /// <summary>The data file's <c>Pair Coeffs</c> section, kept as text; null when the file had none.</summary>
    public PairCoefficientLines? PairCoefficients { get; init; }

    /// <summary>Bonds and angles from the data file, or null where it has none (immutable: clones share it).</summary>
    public MolecularTopology? Topology { get; init; }

    /// <summary>A deep copy: arrays are copied.</summary>
    public MdSystem Clone() => new(
        Box,
        TypeCount,
        (int[])Ids.Clone(),
        (int[])Types.Clone(),
        (double[])Positions.Clone(),
        (double[])Velocities.Clone(),
        (int[])Images.Clone(),
        (double[])Masses.Clone(),
        (double[]?)Charges?.Clone(),
        (int[]?)MoleculeIds?.Clone(),
        Style)
    {
        Title = Title,
        PairCoefficients = PairCoefficients,
        Topology = Topology,
    };

    /// <summary>Throws unless every type has a positive mass, as LAMMPS requires before a run.</summary>
    public void RequireMasses()
    {
        for (var t = 0; t < TypeCount; t++)
        {
            if (!(Masses[t] > 0) || !double.IsFinite(Masses[t]))
            {
                throw new InvalidOperationException($"atom type {t + 1} has no positive mass (set it in the data file's Masses section)");
            }
        }
    }

    private static void RequireLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} elements, expected {expected}", name);
        }
    }
}
