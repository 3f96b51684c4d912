using System.Globalization;
using Dataflow.Fci;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Host;

/// <summary><c>dataflow run fci</c>: exact ground-state energy of an FCIDUMP Hamiltonian.</summary>
internal sealed class FciCommand : WorkloadCommand
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

    /// <inheritdoc />
    public override string Verb => "fci";

    /// <inheritdoc />
    public override string Summary => "exact ground-state energy of an FCIDUMP Hamiltonian (full CI, Davidson)";

    /// <inheritdoc />
    public override string Usage => s_usage;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions => ["fcidump", "reference", "tolerance"];

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        var path = ResolveFcidump(o.String("fcidump") ?? throw new UsageException("fci needs --fcidump FILE", s_usage));
        try
        {
            return Job.Fci().Fcidump(path).Reference(o.String("reference") is null ? null : o.Double("reference", 0))
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
    }

    /// <inheritdoc />
    public override void WriteSummary(JobResult r, ParsedOptions? options, TextWriter output)
    {
        var result = r.As<FciResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
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
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"reference         {reference:F10} Ha (difference {result.Error:E2} Ha)"));
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
        [new("fci", "full CI of the bundled molecules: wall time and the difference to Psi4", (w, _) => Bench.FciBench.RunAsync(w))];

    /// <summary>A bundled molecule's name stands for its FCIDUMP file.</summary>
    public static string ResolveFcidump(string value) =>
        !File.Exists(value) && BundledMolecules.Names.Contains(value.ToLowerInvariant())
            ? BundledMolecules.Path(value.ToLowerInvariant())
            : value;
}
