using System.Globalization;

namespace Dataflow.Kernels.Md;

/// <summary>Writes an extended-XYZ trajectory (the format of ASE and OVITO): per frame an atom count, a comment line
/// of <c>key=value</c> pairs with the cell, then one line per atom.</summary>
/// <remarks>
/// Comment line: <c>Lattice="Lx 0 0 0 Ly 0 0 0 Lz" Origin="xlo ylo zlo" Properties=species:S:1:pos:R:3:id:I:1:type:I:1
/// Timestep=N pbc="T T T"</c>. Species are the names given per type (element symbols for ASE), else the type number.
/// </remarks>
public sealed class ExtendedXyzWriter(TextWriter writer, IReadOnlyList<string>? typeNames = null, bool ownsWriter = false)
    : ITrajectoryWriter
{
    /// <summary>A writer to a new file at <paramref name="path"/>.</summary>
    public static ExtendedXyzWriter Create(string path, IReadOnlyList<string>? typeNames = null) =>
        new(new StreamWriter(path) { NewLine = "\n" }, typeNames, ownsWriter: true);

    /// <inheritdoc/>
    public void Write(MdState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var box = state.Box;
        writer.WriteLine(state.AtomCount.ToString(CultureInfo.InvariantCulture));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Lattice=\"{R(box.LengthX)} 0 0 0 {R(box.LengthY)} 0 0 0 {R(box.LengthZ)}\" "
            + $"Origin=\"{R(box.XLo)} {R(box.YLo)} {R(box.ZLo)}\" "
            + $"Properties=species:S:1:pos:R:3:id:I:1:type:I:1 Timestep={state.Step} pbc=\"T T T\""));
        var x = state.Positions;
        for (var i = 0; i < state.AtomCount; i++)
        {
            var type = state.Types[i];
            var species = typeNames is not null && type <= typeNames.Count
                ? typeNames[type - 1]
                : type.ToString(CultureInfo.InvariantCulture);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{species} {R(x[3 * i])} {R(x[3 * i + 1])} {R(x[3 * i + 2])} {state.Ids[i]} {type}"));
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

    private static string R(double value) => LammpsDataWriter.R(value);
}
