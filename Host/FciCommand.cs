using System.Globalization;
using Dataflow.Fci;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Host;

/// <summary><c>dataflow run fci</c>: exact ground-state energy of an FCIDUMP Hamiltonian.</summary>
internal sealed partial class FciCommand : WorkloadCommand
{
    private static readonly string s_usage = $"""
        usage: dataflow run fci --fcidump FILE|{string.Join("|", BundledMolecules.Names)} [--roots N] [--spin S] [--frozen-core K]
                                [--irrep G] [--max-memory SIZE] [--reference E] [--tolerance 1e-10]
                                [--plot FILE.png|svg] [--cluster HOST:PORT] [--json FILE] [--quiet]

        Full configuration interaction by direct (matrix-free) CI: sigma = H c is built on the fly from alpha and
        beta strings, and block Davidson from several spin-adapted guesses finds the lowest states over every spin
        and symmetry sector. The size (determinants, memory, a rough time) is printed before the solve, and each
        Davidson iteration after it. The bundled molecules ({string.Join(", ", BundledMolecules.Names)}, STO-3G,
        from Psi4) and the other files in the data folder (c2, h2o-631g, n2-631g) can be named instead of a file.

          --fcidump FILE     FCIDUMP written by PySCF, Psi4, Molpro... (RHF orbitals; .gz is read too)
          --roots N          the N lowest states, each with energy, <S^2> and irrep (ORBSYM numbering); default 1
          --spin S           target total spin S (the M_s = S sector); default: every spin
          --frozen-core K    keep the K lowest-energy orbitals doubly occupied; default 0
          --irrep G          solve only irrep G (ORBSYM label, 1 = totally symmetric); default: every irrep
          --max-memory SIZE  refuse a space whose solve needs more (bytes, or 500M, 4G...); default: this machine's memory
          --reference E      report the difference to this energy (hartree)
          --tolerance T      convergence of the energy in hartree (default 1e-10)
          --plot FILE        PNG or SVG of the Davidson energy and residual norm at every iteration

        example: dataflow run fci --fcidump c2 --roots 3 --json fci.json
        """;

    /// <inheritdoc />
    public override string Verb => "fci";

    /// <inheritdoc />
    public override string Summary => "exact lowest states of an FCIDUMP Hamiltonian (direct full CI, block Davidson)";

    /// <inheritdoc />
    public override string Usage => s_usage;

    /// <inheritdoc />
    public override IReadOnlyList<string> ValuedOptions => ["fcidump", "reference", "tolerance", "roots", "spin", "frozen-core", "max-memory", "irrep"];

    private bool _iterationLines;

    /// <inheritdoc />
    public override IJobDefinition Build(ParsedOptions o)
    {
        // A terminal shows each Davidson iteration in the bar; a redirected stderr (a log) gets one line per iteration,
        // which the bar's ten-step lines would hide.
        _iterationLines = !o.Flag("quiet") && Console.IsErrorRedirected;
        var path = ResolveFcidump(o.String("fcidump") ?? throw new UsageException("fci needs --fcidump FILE", s_usage));
        var maxMemory = o.String("max-memory") is { } text
            ? ParseBytes(text) ?? throw new UsageException($"--max-memory: '{text}' is not a size (bytes, or a number with K, M, G or T)", s_usage)
            : (long?)null;
        FciJob job;
        try
        {
            job = Job.Fci().Fcidump(path).Reference(o.String("reference") is null ? null : o.Double("reference", 0))
                .Tolerance(o.Double("tolerance", 1e-10)).Roots(o.Int("roots", 1))
                .Spin(o.String("spin") is null ? null : o.Int("spin", 0)).FrozenCore(o.Int("frozen-core", 0))
                .Irrep(o.String("irrep") is null ? null : o.Int("irrep", 1)).MaxMemory(maxMemory).Build();
        }
        catch (FcidumpFormatException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"invalid fci job: {UsageException.MessageOf(e)}");
        }
        if (!o.Flag("quiet"))
        {
            var size = job.Size;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"dataflow run fci: {size.Determinants:N0} determinants ({size.OrbitalCount} orbitals, {size.AlphaCount} alpha, {size.BetaCount} beta electrons), about {Actors.Fci.FciMemory.Gigabytes(size.MemoryBytes)} GB, roughly {size.EstimatedSeconds:G2} s"));
        }
        return job;
    }

    /// <inheritdoc />
    public override string ProgressLine(Actors.Runtime.JobProgress progress)
    {
        if (_iterationLines && progress.Note.StartsWith("Davidson", StringComparison.Ordinal))
        {
            Console.Error.WriteLine(progress.Note);
        }
        return progress.Note;
    }

    /// <summary>Bytes from "123", "500M", "1.5G", "2GB" (powers of 1024); null when not a size.</summary>
    public static long? ParseBytes(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        if (t.EndsWith('B'))
        {
            t = t[..^1];
        }
        var scale = t.Length > 0 ? t[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 1L } : 1L;
        if (scale != 1)
        {
            t = t[..^1];
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value * scale < long.MaxValue
            ? (long)(value * scale)
            : null;
    }

    /// <inheritdoc />
    public override void WriteSummary(JobResult r, ParsedOptions? options, TextWriter output)
    {
        var result = r.As<FciResult>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            workload          fci
            fcidump           {result.Fcidump}
            energy            {result.Energy:F10} Ha
            determinants      {result.Determinants}
            iterations        {result.Iterations} (residual {result.ResidualNorm:E2})
            peak memory       {Actors.Fci.FciMemory.Gigabytes(result.PeakMemoryBytes)} GB
            seconds           {result.Seconds:F2}
            """));
        if (result.Reference is { } reference)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"reference         {reference:F10} Ha (difference {result.Error:E2} Ha)"));
        }
        output.WriteLine("root  energy / Ha          <S^2>     irrep");
        for (var k = 0; k < result.Roots.Length; k++)
        {
            var root = result.Roots[k];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k,4}  {root.Energy,18:F10}  {root.S2,8:F4}  {root.Irrep,5}"));
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<BenchSection> BenchSections =>
        [new("fci", "direct full CI: the bundled molecules against Psi4; H2O and N2 / 6-31G time and memory against Psi4's detci", (w, _) => Bench.FciBench.RunAsync(w))];

    /// <summary>A bundled molecule's name stands for its FCIDUMP file.</summary>
    public static string ResolveFcidump(string value)
    {
        if (File.Exists(value))
        {
            return value;
        }
        if (BundledMolecules.Names.Contains(value.ToLowerInvariant()))
        {
            return BundledMolecules.Path(value.ToLowerInvariant());
        }
        // The other files of the data folder (c2, h2o-631g, n2-631g...), plain or gzipped.
        foreach (var extension in new[] { ".fcidump", ".fcidump.gz" })
        {
            var candidate = Path.Combine(BundledMolecules.DataDirectory, value.ToLowerInvariant() + extension);
            if (value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && File.Exists(candidate))
            {
                return candidate;
            }
        }
        return value;
    }
}
