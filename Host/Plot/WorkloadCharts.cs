using System.Globalization;
using Dataflow.Md;
using Dataflow.Nqs;
using Dataflow.Train;

namespace Dataflow.Host.Plot;

/// <summary>The <c>--plot</c> charts of the workloads.</summary>
internal static class WorkloadCharts
{
    /// <summary>Chemical accuracy, 1 kcal/mol in hartree (1.6 mHa).</summary>
    public const double ChemicalAccuracyHartree = 1.6e-3;

    /// <summary>nqs: with a reference, |E - E_ref| per iteration on a log scale with the chemical-accuracy line; else
    /// the energy. The variance of the local energies below, on a log scale.</summary>
    public static Chart Nqs(NqsResult result)
    {
        var iterations = result.History.Select(h => (double)h.Iteration + 1).ToArray();
        var energies = result.History.Select(h => h.Energy).ToArray();
        var energy = result.Reference is { } reference
            ? new ChartPanel("|E - E_ref| (Ha)",
                [new ChartSeries("VMC energy error", iterations, energies.Select(e => Math.Abs(e - reference)).ToArray())],
                LogScale: true, Lines: [new ChartLine("chemical accuracy (1.6 mHa)", ChemicalAccuracyHartree)])
            : new ChartPanel("E (Ha)", [new ChartSeries("VMC energy", iterations, energies)]);
        var variance = new ChartPanel("variance of E_loc (Ha^2)",
            [new ChartSeries("variance", iterations, result.History.Select(h => h.Variance).ToArray())], LogScale: true);
        var name = Path.GetFileNameWithoutExtension(result.Fcidump);
        var title = result.Reference is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"nqs {name}: E = {result.Energy:F6} Ha, error {Math.Abs(result.Energy - r) * 1e3:F3} mHa")
            : string.Create(CultureInfo.InvariantCulture, $"nqs {name}: E = {result.Energy:F6} Ha");
        return new Chart(title, "iteration", [energy, variance]);
    }

    /// <summary>train: the loss (mean over the logical workers) at every step this client saw.</summary>
    public static Chart Train(TrainResult result, ProgressHistory progress)
    {
        var (steps, loss) = progress.Series("loss");
        return new Chart(
            string.Create(CultureInfo.InvariantCulture, $"train {result.Model}: {result.LogicalWorkers} logical workers, final loss {result.FinalLoss:G4}"),
            "step", [new ChartPanel("training loss", [new ChartSeries("loss", steps, loss)])]);
    }

    /// <summary>md: temperature, energies and pressure at every thermo step, and the domain imbalance at every rebuild
    /// interval (with more than one domain).</summary>
    public static Chart Md(MdResult result)
    {
        var steps = result.Thermo.Select(t => (double)t.Step).ToArray();
        var (temperature, energy, pressure) = result.Units switch
        {
            "metal" => ("K", "eV", "bar"),
            "real" => ("K", "kcal/mol", "atm"),
            _ => ("epsilon/k_B", "epsilon per atom", "epsilon/sigma^3"),
        };
        var panels = new List<ChartPanel>
        {
            new($"temperature ({temperature})", [new ChartSeries("Temp", steps, result.Thermo.Select(t => t.Temp).ToArray())]),
            new($"energy ({energy})", [
                new ChartSeries("PotEng", steps, result.Thermo.Select(t => t.Pe).ToArray()),
                new ChartSeries("KinEng", steps, result.Thermo.Select(t => t.Ke).ToArray()),
                new ChartSeries("TotEng", steps, result.Thermo.Select(t => t.Etotal).ToArray()),
            ]),
            new($"pressure ({pressure})", [new ChartSeries("Press", steps, result.Thermo.Select(t => t.Press).ToArray())]),
        };
        if (result.ImbalanceHistory.Length > 0 && result.Domains != "1x1x1")
        {
            panels.Add(new ChartPanel("imbalance (max / mean domain cost)", [new ChartSeries(
                "imbalance", result.ImbalanceHistory.Select(i => (double)i.Step).ToArray(),
                result.ImbalanceHistory.Select(i => i.Imbalance).ToArray())]));
        }
        return new Chart(
            $"md {Path.GetFileName(result.Data)}: {result.Atoms} atoms, {result.Domains} domains, {result.Units} units",
            "step", panels);
    }
}
