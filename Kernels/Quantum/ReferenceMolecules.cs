using System.Text.Json;

namespace Dataflow.Kernels.Quantum;

/// <summary>The further Psi4-made FCIDUMP files in <c>Quantum/Data</c> (C2 / STO-3G, H2O and N2 / 6-31G, and the
/// frozen-core references of the STO-3G molecules), with Psi4's FCI energies, from <c>molecules-more.json</c>.</summary>
/// <remarks>Written by Psi4 1.3.2 from <c>make_fcidumps_more.in</c>; see <c>Kernels/Quantum/Data/README.md</c>.</remarks>
public static class ReferenceMolecules
{
    private static readonly Lazy<IReadOnlyList<ReferenceMolecule>> s_molecules = new(Load);

    /// <summary>Every entry of the catalogue.</summary>
    public static IReadOnlyList<ReferenceMolecule> All() => s_molecules.Value;

    /// <summary>The entry named <paramref name="name"/> (c2, h2o, n2, h2o-631g, n2-631g).</summary>
    /// <exception cref="ArgumentException">No such entry.</exception>
    public static ReferenceMolecule Find(string name) =>
        s_molecules.Value.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no reference molecule '{name}'", nameof(name));

    /// <summary>The FCIDUMP of <paramref name="name"/>: <c>name.fcidump</c> or <c>name.fcidump.gz</c> in the data folder
    /// (the STO-3G files of H2O and N2 are the bundled ones).</summary>
    /// <exception cref="FileNotFoundException">Neither file is there.</exception>
    public static string Path(string name)
    {
        foreach (var extension in new[] { ".fcidump", ".fcidump.gz" })
        {
            var path = System.IO.Path.Combine(BundledMolecules.DataDirectory, name.ToLowerInvariant() + extension);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException($"no FCIDUMP for {name} in {BundledMolecules.DataDirectory}");
    }

    private static IReadOnlyList<ReferenceMolecule> Load()
    {
        var path = System.IO.Path.Combine(BundledMolecules.DataDirectory, "molecules-more.json");
        using var stream = File.OpenRead(path);
        var catalogue = JsonSerializer.Deserialize<Catalogue>(stream, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidDataException($"{path}: empty catalogue");
        return catalogue.Molecules;
    }

    private sealed record Catalogue(IReadOnlyList<ReferenceMolecule> Molecules);
}

/// <summary>One entry of <see cref="ReferenceMolecules"/>.</summary>
/// <param name="Name">File name without extension.</param>
/// <param name="Description">Formula and internal coordinates.</param>
/// <param name="ZmatrixAngstrom">The Z-matrix given to Psi4.</param>
/// <param name="PointGroup">Abelian point group Psi4 used (ORBSYM refers to it).</param>
/// <param name="Basis">Gaussian basis set.</param>
/// <param name="RhfEnergyHartree">Psi4's RHF energy.</param>
/// <param name="FciEnergyHartree">Psi4's FCI energy by number of frozen core orbitals ("0", "2"...).</param>
public sealed record ReferenceMolecule(
    string Name, string Description, string ZmatrixAngstrom, string PointGroup, string Basis, double RhfEnergyHartree,
    IReadOnlyDictionary<string, double> FciEnergyHartree)
{
    /// <summary>Psi4's FCI energy with <paramref name="frozenCore"/> orbitals frozen.</summary>
    public double Fci(int frozenCore) => FciEnergyHartree[frozenCore.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
