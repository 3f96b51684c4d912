using System.Text.Json;

namespace Dataflow.Kernels.Quantum;

/// <summary>The STO-3G FCIDUMP files shipped in <c>Quantum/Data</c> next to the assemblies, and Psi4's reference
/// energies for them.</summary>
/// <remarks>Written by Psi4 1.3.2 from RHF orbitals, all orbitals active; see <c>Kernels/Quantum/Data/README.md</c>
/// and the input <c>make_fcidumps.in</c> beside the files.</remarks>
public static class BundledMolecules
{
    private static readonly Lazy<IReadOnlyList<BundledMolecule>> s_molecules = new(LoadCatalogue);

    /// <summary>Names of the bundled molecules: h2, lih, h2o, n2.</summary>
    public static IReadOnlyList<string> Names { get; } = ["h2", "lih", "h2o", "n2"];

    /// <summary>Folder holding the files: <c>AppContext.BaseDirectory/Quantum/Data</c>.</summary>
    public static string DataDirectory => System.IO.Path.Combine(AppContext.BaseDirectory, "Quantum", "Data");

    /// <summary>Full path of the FCIDUMP of molecule <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No molecule of that name is bundled.</exception>
    /// <exception cref="FileNotFoundException">The file was not copied next to the assemblies.</exception>
    public static string Path(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var known = Names.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"no bundled molecule '{name}'; bundled: {string.Join(", ", Names)}", nameof(name));
        var path = System.IO.Path.Combine(DataDirectory, known + ".fcidump");
        return File.Exists(path) ? path : throw new FileNotFoundException($"bundled FCIDUMP missing: {path}", path);
    }

    /// <summary>Reads the FCIDUMP of molecule <paramref name="name"/>.</summary>
    public static Fcidump Load(string name) => FcidumpReader.Read(Path(name));

    /// <summary>Geometry and reference energies of molecule <paramref name="name"/> (case-insensitive).</summary>
    public static BundledMolecule Reference(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return s_molecules.Value.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"no bundled molecule '{name}'", nameof(name));
    }

    /// <summary>Every bundled molecule's geometry and reference energies.</summary>
    public static IReadOnlyList<BundledMolecule> All() => s_molecules.Value;

    private static IReadOnlyList<BundledMolecule> LoadCatalogue()
    {
        var path = System.IO.Path.Combine(DataDirectory, "molecules.json");
        using var stream = File.OpenRead(path);
        var catalogue = JsonSerializer.Deserialize<Catalogue>(stream, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidDataException($"{path}: empty catalogue");
        return catalogue.Molecules;
    }

    private sealed record Catalogue(IReadOnlyList<BundledMolecule> Molecules);
}
