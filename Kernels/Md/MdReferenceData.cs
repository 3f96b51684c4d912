namespace Dataflow.Kernels.Md;

/// <summary>Paths of the LAMMPS reference inputs, data files and logs shipped with the build (Kernels/Md/Reference,
/// copied next to the assembly). Kernels/Md/Reference/README.md says how each was made.</summary>
public static class MdReferenceData
{
    /// <summary>The folder holding the reference files.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Md", "Reference");

    /// <summary>The path of reference file <paramref name="name"/>, e.g. <c>lj-500.data</c>.</summary>
    /// <exception cref="FileNotFoundException">The file is not there (the build did not copy it).</exception>
    public static string File(string name)
    {
        var path = Path.Combine(Directory, name);
        return System.IO.File.Exists(path)
            ? path
            : throw new FileNotFoundException($"reference file {name} not found in {Directory}", path);
    }
}
