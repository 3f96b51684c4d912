using System.Globalization;
using Dataflow.DpTrain;
using Dataflow.Fci;
using Dataflow.Fl;
using Dataflow.Har;
using Dataflow.Md;
using Dataflow.Nqs;
using Dataflow.Sft;
using Dataflow.Train;
using Dataflow.Tune;

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

    /// <summary>dp-train: the loss (deepmd-kit's weighted energy, force and virial terms) and the learning rate at every
    /// step this client saw, the loss on a log scale.</summary>
    public static Chart DpTrain(DpTrainResult result, ProgressHistory progress)
    {
        var (steps, loss) = progress.Series("loss");
        var (rateSteps, rate) = progress.Series("lr");
        return new Chart(
            string.Create(CultureInfo.InvariantCulture,
                $"dp-train: final loss {result.FinalLoss:G3}, held-out force RMSE {result.ForceRmse:G3} ({result.ForceRmse / result.ForceStd:P1} of the std)"),
            "step", [
                new ChartPanel("training loss", [new ChartSeries("loss", steps, loss)], LogScale: true),
                new ChartPanel("learning rate", [new ChartSeries("lr", rateSteps, rate)], LogScale: true),
            ]);
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

    /// <summary>fci: the Davidson energy (with the reference, when given) and the residual norm, on a log scale, at every
    /// iteration this client saw; one curve per Davidson run (the solver runs one per symmetry block, in turn).</summary>
    public static Chart Fci(FciResult result, ProgressHistory progress)
    {
        var (_, iterations) = progress.Sequence("iteration", requiring: "residual");
        var (_, energies) = progress.Sequence("energy", requiring: "residual");
        var (_, residuals) = progress.Sequence("residual");
        // A run starts where the iteration count does not go on (reports without one count on from the last).
        var runs = new List<(int From, int To)>();
        var x = new double[residuals.Length];
        for (var k = 0; k < residuals.Length; k++)
        {
            x[k] = iterations.Length == residuals.Length ? iterations[k] : k + 1;
            if (k == 0 || x[k] <= x[k - 1])
            {
                runs.Add((k, k));
            }
            runs[^1] = (runs[^1].From, k + 1);
        }
        ChartSeries Run(double[] y, int r) => new(runs.Count == 1 ? "Davidson" : $"Davidson run {r + 1}",
            x[runs[r].From..runs[r].To], y[runs[r].From..runs[r].To]);
        var energy = new ChartPanel("E (Ha)", [.. runs.Select((_, r) => Run(energies, r))],
            Lines: result.Reference is { } reference ? [new ChartLine("reference", reference)] : null);
        var residual = new ChartPanel("residual norm", [.. runs.Select((_, r) => Run(residuals, r))], LogScale: true);
        return new Chart(string.Create(CultureInfo.InvariantCulture,
                $"fci {Path.GetFileNameWithoutExtension(result.Fcidump)}: E = {result.Energy:F8} Ha, {result.Determinants} determinants"),
            "Davidson iteration", [energy, residual]);
    }

    /// <summary>sft: the loss and the token rate at every step this client saw.</summary>
    public static Chart Sft(SftResult result, ProgressHistory progress)
    {
        var (steps, loss) = progress.Series("loss");
        var (rateSteps, rate) = progress.Series("tokensPerSecond");
        return new Chart(string.Create(CultureInfo.InvariantCulture,
                $"sft {result.Inputs.Model} ({result.Schedule}): final loss {result.FinalLoss:G4}, {result.TokensPerSecond:F0} tokens/s"),
            "step", [
                new ChartPanel("loss (nats per token)", [new ChartSeries("loss", steps, loss)]),
                new ChartPanel("throughput (tokens/s)", [new ChartSeries("tokens/s", rateSteps, rate)]),
            ]);
    }

    /// <summary>tune: the best end-to-end latency after each round against the measurements made, with the untuned
    /// latency. Rounds before every task had a measurement have no end-to-end latency (0 in the result): left out.</summary>
    public static Chart Tune(TuneResult result)
    {
        var known = result.Curve.Where(c => c.LatencySeconds > 0).ToArray();
        var title = result.Speedup > 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"tune {result.Model} ({result.Policy}): {result.Speedup:F2}x faster than untuned after {result.Measurements} measurements")
            : $"tune {result.Model} ({result.Policy}): no end-to-end latency after {result.Measurements} measurements (tasks left unmeasured)";
        return new Chart(title, "measurements", [new ChartPanel(
            "latency of one forward pass (ms)",
            [new ChartSeries("best measured", known.Select(c => (double)c.Measurements).ToArray(), known.Select(c => c.LatencySeconds * 1e3).ToArray())],
            Lines: result.UntunedLatencySeconds > 0 ? [new ChartLine("untuned", result.UntunedLatencySeconds * 1e3)] : null)]);
    }

    /// <summary>fl: the mean Dice of the global model over the institutes' test volumes and each institute's own, after
    /// every round, and the institutes' mean training loss. An institute that did not report in a round has no point.</summary>
    public static Chart Fl(FlResult result)
    {
        var rounds = result.History.Select(r => (double)r.Round).ToArray();
        var dice = new List<ChartSeries> { new("mean", rounds, result.History.Select(r => r.MeanDice).ToArray()) };
        for (var i = 0; i < result.Institutes.Length; i++)
        {
            var reported = result.History.Where(r => i < r.DicePerInstitute.Length && r.DicePerInstitute[i] is not null).ToArray();
            dice.Add(new ChartSeries(result.Institutes[i], reported.Select(r => (double)r.Round).ToArray(),
                reported.Select(r => r.DicePerInstitute[i]!.Value).ToArray()));
        }
        return new Chart(string.Create(CultureInfo.InvariantCulture,
                $"fl {result.Strategy}{(result.Vfda ? " + VFDA" : "")}, {result.Institutes.Length} institutes: mean Dice {result.MeanDice:F4} after {result.Rounds} rounds"),
            "round", [
                new ChartPanel("Dice (global model, test volumes)", dice),
                new ChartPanel("mean training loss", [new ChartSeries("loss", rounds, result.History.Select(r => r.MeanLoss).ToArray())]),
            ]);
    }

    /// <summary>har: each reported frame's end-to-end latency with the running p99, and the frame rate, against the
    /// frames delivered (progress reports come at most twice a second), with the run's p99 as a line.</summary>
    public static Chart Har(HarResult result, ProgressHistory progress)
    {
        var (frames, latency) = progress.Series("latencyMs");
        var (p99Frames, p99) = progress.Series("latencyP99Ms");
        var (fpsFrames, fps) = progress.Series("fps");
        return new Chart(string.Create(CultureInfo.InvariantCulture,
                $"har {result.Features} features: {result.Fps:F1} fps, p99 {result.LatencyP99Ms:F0} ms, {result.DroppedFrames} dropped of {result.Frames}"),
            "frames delivered", [
                new ChartPanel("end-to-end latency (ms)", [new ChartSeries("frame", frames, latency), new ChartSeries("p99 so far", p99Frames, p99)],
                    Lines: [new ChartLine("p99 of the run", result.LatencyP99Ms)]),
                new ChartPanel("frames per second", [new ChartSeries("fps", fpsFrames, fps)]),
            ]);
    }

    /// <summary>har-train: the recogniser's loss, then the IMFE's distillation loss, at every step this client saw (the
    /// job counts the IMFE's steps after the recogniser's).</summary>
    public static Chart HarTrain(HarTrainResult result, ProgressHistory progress)
    {
        var (done, loss) = progress.Series("loss");
        var recogniserSteps = result.Inputs.RecogniserSteps;
        var recogniser = Enumerable.Range(0, done.Length).Where(k => done[k] <= recogniserSteps).ToArray();
        var imfe = Enumerable.Range(0, done.Length).Where(k => done[k] > recogniserSteps).ToArray();
        return new Chart(string.Create(CultureInfo.InvariantCulture,
                $"har-train: loss {result.RecogniserLossFirst:G3} to {result.RecogniserLossLast:G3}, IMFE {result.DistillLossFirst:G3} to {result.DistillLossLast:G3} (first and last 10 steps)"),
            "step", [
                new ChartPanel("recogniser loss (cross-entropy)", [new ChartSeries("recogniser",
                    recogniser.Select(k => done[k]).ToArray(), recogniser.Select(k => loss[k]).ToArray())]),
                new ChartPanel("IMFE distillation loss", [new ChartSeries("IMFE",
                    imfe.Select(k => done[k] - recogniserSteps).ToArray(), imfe.Select(k => loss[k]).ToArray())]),
            ]);
    }
}
