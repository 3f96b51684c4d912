using System.Diagnostics;
using System.Globalization;

namespace Dataflow.Host.Bench;

/// <summary>The <c>fci</c> section of <c>dataflow bench</c>: full CI of the bundled molecules against Psi4.</summary>
internal static class FciBench
{
    public static async Task RunAsync(TextWriter w)
    {
        w.WriteLine("== full CI of the bundled STO-3G molecules (embedded cluster), against Psi4");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        foreach (var name in Kernels.Quantum.BundledMolecules.Names)
        {
            var reference = Kernels.Quantum.BundledMolecules.Reference(name);
            var job = Job.Fci().Fcidump(Kernels.Quantum.BundledMolecules.Path(name)).Reference(reference.FciEnergyHartree).Build();
            var sw = Stopwatch.StartNew();
            var r = (await cluster.RunAsync(job)).As<Fci.FciResult>();
            w.WriteLine(Invariant($"  {name,-4} {r.Dimension,8} determinants  E {r.Energy,18:F10} Ha  Psi4 diff {r.Error,9:E1} Ha  {sw.Elapsed.TotalSeconds,6:F2} s"));
        }
        w.WriteLine();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
