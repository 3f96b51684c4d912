using System.Globalization;

namespace Dataflow.Kernels.Md;

/// <summary>Writes a LAMMPS text dump with columns <c>id type x y z</c>, as <c>dump ID all custom N file id type x y
/// z</c> writes it (docs.lammps.org/dump.html); readable by OVITO, VMD and LAMMPS' <c>read_dump</c>.</summary>
/// <remarks>Each snapshot: <c>ITEM: TIMESTEP</c>, <c>ITEM: NUMBER OF ATOMS</c>, <c>ITEM: BOX BOUNDS pp pp pp</c> with
/// three <c>lo hi</c> lines, <c>ITEM: ATOMS id type x y z</c> and one line per atom in storage order. Coordinates
/// are unscaled and as stored (atoms may be slightly outside the box between neighbour-list builds), in the
/// shortest form that reads back to the same double.</remarks>
public sealed class LammpsDumpWriter(TextWriter writer, bool ownsWriter = false) : ITrajectoryWriter
{
    /// <summary>A writer to a new file at <paramref name="path"/>.</summary>
    public static LammpsDumpWriter Create(string path) => new(new StreamWriter(path) { NewLine = "\n" }, ownsWriter: true);

    /// <inheritdoc/>
    public void Write(MdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var box = state.Box;
        writer.WriteLine("ITEM: TIMESTEP");
        writer.WriteLine(state.Step.ToString(CultureInfo.InvariantCulture));
        writer.WriteLine("ITEM: NUMBER OF ATOMS");
        writer.WriteLine(state.AtomCount.ToString(CultureInfo.InvariantCulture));
        writer.WriteLine("ITEM: BOX BOUNDS pp pp pp");
        writer.WriteLine($"{LammpsDataWriter.R(box.XLo)} {LammpsDataWriter.R(box.XHi)}");
        writer.WriteLine($"{LammpsDataWriter.R(box.YLo)} {LammpsDataWriter.R(box.YHi)}");
        writer.WriteLine($"{LammpsDataWriter.R(box.ZLo)} {LammpsDataWriter.R(box.ZHi)}");
        writer.WriteLine("ITEM: ATOMS id type x y z");
        var x = state.Positions;
        for (var i = 0; i < state.AtomCount; i++)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{state.Ids[i]} {state.Types[i]} {LammpsDataWriter.R(x[3 * i])} {LammpsDataWriter.R(x[3 * i + 1])} {LammpsDataWriter.R(x[3 * i + 2])}"));
        }
        writer.Flush();
    }

    /// <summary>Closes the underlying writer if this object opened it.</summary>
    public void Dispose()
    {
        if (ownsWriter)
        {
            writer.Dispose();
        }
    }
}
