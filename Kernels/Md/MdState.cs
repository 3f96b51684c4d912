namespace Dataflow.Kernels.Md;

/// <summary>What a simulation step reads and changes: an <see cref="MdSystem"/> with its unit style, timestep
/// size and step number.</summary>
/// <remarks>The per-atom arrays are the system's, forwarded for brevity, and change in place as steps run.
/// Positions are wrapped into the box only when a neighbour list is built, as in LAMMPS, so between builds an
/// atom may sit slightly outside it.</remarks>
public sealed class MdState
{
    /// <summary>A state at step 0 over <paramref name="system"/>, which must have every mass set.</summary>
    /// <param name="system">Atoms; not copied.</param>
    /// <param name="units">Unit style of every number in the system.</param>
    /// <param name="timestep">Timestep size in the style's time unit; null takes the style's LAMMPS default.</param>
    public MdState(MdSystem system, UnitSystem units, double? timestep = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(units);
        system.RequireMasses();
        System = system;
        Units = units;
        Timestep = timestep ?? units.DefaultTimestep;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Timestep, nameof(timestep));
    }

    /// <summary>The atoms.</summary>
    public MdSystem System { get; }

    /// <summary>Unit style of every quantity in the state.</summary>
    public UnitSystem Units { get; }

    /// <summary>Timestep size, time units (LAMMPS <c>timestep</c>).</summary>
    public double Timestep { get; set; }

    /// <summary>Current step number (LAMMPS <c>update->ntimestep</c>).</summary>
    public long Step { get; set; }

    /// <summary>Number of atoms.</summary>
    public int AtomCount => System.AtomCount;

    /// <summary>Number of atom types.</summary>
    public int TypeCount => System.TypeCount;

    /// <summary>The periodic box.</summary>
    public OrthogonalBox Box => System.Box;

    /// <summary>Atom ids in storage order.</summary>
    public int[] Ids => System.Ids;

    /// <summary>Atom types, from 1.</summary>
    public int[] Types => System.Types;

    /// <summary>Positions, interleaved xyz, distance units.</summary>
    public double[] Positions => System.Positions;

    /// <summary>Velocities, interleaved xyz, velocity units.</summary>
    public double[] Velocities => System.Velocities;

    /// <summary>Image flags, interleaved xyz.</summary>
    public int[] Images => System.Images;

    /// <summary>Mass per type, index type - 1.</summary>
    public double[] Masses => System.Masses;

    /// <summary>Charges per atom, or null for an uncharged (atomic-style) system.</summary>
    public double[]? Charges => System.Charges;

    /// <summary>Mass of atom <paramref name="atom"/> (storage index).</summary>
    public double MassOf(int atom) => System.Masses[System.Types[atom] - 1];

    /// <summary>Moves every atom outside the box back in by whole box lengths and counts the crossing in its image
    /// flags, as LAMMPS' <c>Domain::pbc</c> does before each neighbour-list build.</summary>
    public void WrapIntoBox() => Wrap(Box, Positions, Images, Ids, Step);

    /// <summary>Wraps positions into <paramref name="box"/> as <see cref="WrapIntoBox"/> does, for any set of atoms (a
    /// whole state or a domain's owned atoms).</summary>
    /// <param name="box">The periodic box.</param>
    /// <param name="positions">Positions, interleaved xyz; updated.</param>
    /// <param name="images">Image flags, interleaved xyz; updated.</param>
    /// <param name="ids">Atom ids, for the error message.</param>
    /// <param name="step">Step number, for the error message.</param>
    /// <exception cref="InvalidOperationException">A coordinate is not finite or many box lengths out (a blow-up).</exception>
    public static void Wrap(OrthogonalBox box, Span<double> positions, Span<int> images, ReadOnlySpan<int> ids, long step)
    {
        ArgumentNullException.ThrowIfNull(box);
        var x = positions;
        for (var axis = 0; axis < 3; axis++)
        {
            var lo = box.Lo(axis);
            var length = box.Length(axis);
            var hi = box.Hi(axis);
            for (var k = axis; k < x.Length; k += 3)
            {
                // Many box lengths out is a blow-up, not a crossing (and wrapping it would not end).
                if (!double.IsFinite(x[k]) || x[k] < lo - 10 * length || x[k] >= hi + 10 * length)
                {
                    throw new InvalidOperationException(
                        $"atom {ids[k / 3]} has coordinate {"xyz"[axis]} = {x[k]} at step {step}: the simulation has blown up "
                        + "(timestep too large, or atoms started overlapping)");
                }
                // Loops, not ifs: an atom more than a box length out (a bad start) is still brought in.
                while (x[k] < lo)
                {
                    x[k] += length;
                    images[k]--;
                }
                while (x[k] >= hi)
                {
                    // Rounding can land exactly on hi after the shift; LAMMPS clamps to lo in that case.
                    x[k] = Math.Max(x[k] - length, lo);
                    images[k]++;
                }
            }
        }
    }
}
