using System.Globalization;
using Dataflow.Fci;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Host;

/// <summary><c>dataflow run fci</c>: exact ground-state energy of an FCIDUMP Hamiltonian.</summary>
internal static class FciCommand
{
    private static readonly string s_usage = $"""
        usage: dataflow run fci --fcidump FILE|{string.Join("|", BundledMolecules.Names)} [--reference E] [--tolerance 1e-10]
                                [--cluster HOST:PORT] [--json FILE] [--quiet]

        Full configuration interaction: builds the sparse Hamiltonian in the fixed (N, Sz) sector of the
        FCIDUMP and finds its lowest eigenvalue by Davidson. The bundled molecules ({string.Join(", ", BundledMolecules.Names)},
        STO-3G, from Psi4) can be named instead of a file.

          --fcidump FILE     FCIDUMP written by PySCF, Psi4, Molpro... (RHF orbitals)
          --reference E      report the difference to this energy (hartree)
          --tolerance T      convergence of the energy in hartree (default 1e-10)

        example: dataflow run fci --fcidump h2o --json fci.json
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new ParsedOptions(args, ["fcidump", "reference", "tolerance", .. Program.ClusterOptions, "json"], ["quiet"], s_usage);
        if (o.Help)
        {
            Console.Out.WriteLine(s_usage);
            return 0;
        }
        var path = ResolveFcidump(o.String("fcidump") ?? throw new UsageException("fci needs --fcidump FILE", s_usage));
        FciJob job;
        try
        {
            job = Job.Fci().Fcidump(path).Reference(o.String("reference") is null ? null : o.Double("reference", 0))
                .Tolerance(o.Double("tolerance", 1e-10)).Build();
        }
        catch (FcidumpFormatException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid fci job: {e.Message}");
        }
        var result = (await RunCommand.ExecuteAsync(o, job, p => p.Note)).As<FciResult>();
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          fci
            fcidump           {result.Fcidump}
            energy            {result.Energy:F10} Ha
            determinants      {result.Dimension}
            nonzeros          {result.NonZeros}
            iterations        {result.Iterations} (residual {result.ResidualNorm:E2})
            seconds           {result.Seconds:F2}
            """));
        if (result.Reference is { } reference)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"reference         {reference:F10} Ha (difference {result.Error:E2} Ha)"));
        }
        return 0;
    }

    /// <summary>A bundled molecule's name stands for its FCIDUMP file.</summary>
    public static string ResolveFcidump(string value) =>
        !File.Exists(value) && BundledMolecules.Names.Contains(value.ToLowerInvariant())
            ? BundledMolecules.Path(value.ToLowerInvariant())
            : value;
}
