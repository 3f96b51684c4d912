using System.Xml.Linq;
using Dataflow.Actors.Runtime;
using Dataflow.DpTrain;
using Dataflow.Fci;
using Dataflow.Fl;
using Dataflow.Har;
using Dataflow.Host;
using Dataflow.Host.Plot;
using Dataflow.Sft;
using Dataflow.Tune;
using SkiaSharp;
using Xunit;

namespace Dataflow.Tests.Host.Plot;

/// <summary>The <c>--plot</c> charts of fci, sft, tune and har-train: what they show (on their descriptions), the PNG
/// and SVG written from them, and <c>run fci --plot</c> end to end.</summary>
public sealed class LaterWorkloadChartsSpec
{
    private static JobProgress Progress(long done, params (string Name, double Value)[] metrics) =>
        new("j", done, 100, metrics.ToDictionary(m => m.Name, m => m.Value), "");

    private static FciResult FciResultOf(double? reference) => new("fci", "/data/h2o.fcidump", -75.0129, 441, 0, 3, 1e-9, "n",
        0, reference, reference is { } r ? -75.0129 - r : null, null!, 441, 0, []);

    [Fact]
    public void Dp_train_draws_the_loss_and_the_learning_rate_of_every_step_on_log_scales()
    {
        var history = new ProgressHistory();
        history.Add(Progress(1, ("loss", 4.0), ("lr", 1e-3)));
        history.Add(Progress(2, ("loss", 0.5), ("lr", 1e-3)));
        history.Add(Progress(3, ("loss", 0.08), ("lr", 2e-4)));
        var result = new DpTrainResult("dp-train", 3, 0.08, 7e-5, 0.003, 0.0627, null, 12, 13954, "ab", 1, 0, null!);
        var chart = WorkloadCharts.DpTrain(result, history);
        Assert.Equal("dp-train: final loss 0.08, held-out force RMSE 0.003 (4.8 % of the std)", chart.Title);
        Assert.Equal("step", chart.XTitle);
        Assert.Equal(new[] { 1.0, 2, 3 }, chart.Panels[0].Series[0].X);
        Assert.Equal(new[] { 4.0, 0.5, 0.08 }, chart.Panels[0].Series[0].Y);
        Assert.Equal(new[] { 1e-3, 1e-3, 2e-4 }, chart.Panels[1].Series[0].Y);
        Assert.All(chart.Panels, p => Assert.True(p.LogScale));
    }

    [Fact]
    public void Fci_draws_every_Davidson_iteration_in_order_though_they_share_one_unit_of_work()
    {
        var history = new ProgressHistory();
        history.Add(Progress(0, ("energy", -74.9), ("residual", 0.3), ("iteration", 1)));
        history.Add(Progress(0, ("energy", -75.01), ("residual", 2e-3), ("iteration", 2)));
        history.Add(Progress(0, ("energy", -75.0129), ("residual", 1e-9), ("iteration", 3)));
        // The next symmetry block's run starts again from iteration 1.
        history.Add(Progress(0, ("energy", -74.5), ("residual", 0.2), ("iteration", 1)));
        history.Add(Progress(0, ("energy", -74.6), ("residual", 1e-8), ("iteration", 2)));
        // The final report carries the energy alone: not an iteration.
        history.Add(Progress(1, ("energy", -75.0129)));
        var chart = WorkloadCharts.Fci(FciResultOf(-75.0129), history);
        Assert.Equal("Davidson iteration", chart.XTitle);
        Assert.StartsWith("fci h2o: E = -75.01290000 Ha, 441 determinants", chart.Title);
        var energy = chart.Panels[0];
        Assert.Equal(["Davidson run 1", "Davidson run 2"], energy.Series.Select(s => s.Label));
        Assert.Equal([1.0, 2.0, 3.0], energy.Series[0].X);
        Assert.Equal([-74.9, -75.01, -75.0129], energy.Series[0].Y);
        Assert.Equal([1.0, 2.0], energy.Series[1].X);
        Assert.Equal([-74.5, -74.6], energy.Series[1].Y);
        Assert.Equal(-75.0129, Assert.Single(energy.Lines!).Y);
        var residual = chart.Panels[1];
        Assert.True(residual.LogScale);
        Assert.Equal([0.3, 2e-3, 1e-9], residual.Series[0].Y);
        Assert.Equal([0.2, 1e-8], residual.Series[1].Y);
        Assert.Null(WorkloadCharts.Fci(FciResultOf(null), history).Panels[0].Lines);
    }

    [Fact]
    public void Fl_draws_the_mean_and_each_institutes_dice_and_the_loss_of_every_round()
    {
        FlRoundResult Round(int round, double mean, double?[] dice, double loss) => new(round, mean, dice, loss, 1, 0.5, [0, 1], [0.5, 0.4]);
        var result = new FlResult("fl", "fedavg", true, 3, 0.45, [0.4, 0.5], [1, 1, 1], ["institute-1", "institute-2"],
            [Round(1, 0.15, [0.1, 0.2], 1.47), Round(2, 0.3, [null, 0.3], 1.40), Round(3, 0.45, [0.4, 0.5], 1.37)], "sha", 0, null!);
        var chart = WorkloadCharts.Fl(result);
        Assert.Equal("round", chart.XTitle);
        Assert.Equal("fl fedavg + VFDA, 2 institutes: mean Dice 0.4500 after 3 rounds", chart.Title);
        var dice = chart.Panels[0];
        Assert.Equal(["mean", "institute-1", "institute-2"], dice.Series.Select(s => s.Label));
        Assert.Equal([0.15, 0.3, 0.45], dice.Series[0].Y);
        // The round institute-1 did not report has no point.
        Assert.Equal([1.0, 3.0], dice.Series[1].X);
        Assert.Equal([0.1, 0.4], dice.Series[1].Y);
        Assert.Equal([1.47, 1.40, 1.37], chart.Panels[1].Series[0].Y);
    }

    [Fact]
    public void Har_draws_the_latency_with_its_p99_and_the_frame_rate_against_the_frames_delivered()
    {
        var history = new ProgressHistory();
        history.Add(Progress(10, ("fps", 20), ("latencyMs", 40), ("latencyP99Ms", 45)));
        history.Add(Progress(25, ("fps", 29), ("latencyMs", 35), ("latencyP99Ms", 60)));
        var result = new HarResult("har", "synthetic", "flow", 30, 30, 29.5, 38, 55, 61, 2, 0, 0.9, 0, 0, [], null!);
        var chart = WorkloadCharts.Har(result, history);
        Assert.Equal("frames delivered", chart.XTitle);
        Assert.Equal("har flow features: 29.5 fps, p99 61 ms, 2 dropped of 30", chart.Title);
        var latency = chart.Panels[0];
        Assert.Equal([10.0, 25.0], latency.Series[0].X);
        Assert.Equal([40.0, 35.0], latency.Series[0].Y);
        Assert.Equal([45.0, 60.0], latency.Series[1].Y);
        Assert.Equal(61, Assert.Single(latency.Lines!).Y);
        Assert.Equal([20.0, 29.0], chart.Panels[1].Series[0].Y);
    }

    [Fact]
    public void Sft_draws_the_loss_and_tokens_per_second_of_every_step()
    {
        var history = new ProgressHistory();
        history.Add(Progress(1, ("loss", 10.8), ("tokensPerSecond", 900)));
        history.Add(Progress(2, ("loss", 9.5), ("tokensPerSecond", 1100)));
        var result = new SftResult("sft", "chunkflow", 2, 4096, 1000, 0.01, 3, 12, 1 << 30, 9.5, "", 4, 0,
            new SftInputs("lmsys", 64, "tiny", 256, 2048, 2, 8, 4, 1, 1, 1e-3, 0, 2));
        var chart = WorkloadCharts.Sft(result, history);
        Assert.Equal("step", chart.XTitle);
        Assert.Equal("sft tiny (chunkflow): final loss 9.5, 1000 tokens/s", chart.Title);
        Assert.Equal(["loss (nats per token)", "throughput (tokens/s)"], chart.Panels.Select(p => p.YTitle));
        Assert.Equal([10.8, 9.5], chart.Panels[0].Series[0].Y);
        Assert.Equal([1.0, 2.0], chart.Panels[1].Series[0].X);
        Assert.Equal([900.0, 1100.0], chart.Panels[1].Series[0].Y);
    }

    [Fact]
    public void Tune_draws_the_best_latency_against_measurements_with_the_untuned_line()
    {
        var result = new TuneResult("tune", "cnn", "familyseer", "anchor", 48, 0.004, 0.002, 2.0, [],
            [new TuneCurvePoint(8, 0), new TuneCurvePoint(16, 0.0035), new TuneCurvePoint(32, 0.0025), new TuneCurvePoint(48, 0.002)],
            [], "", 0, null!);
        var chart = WorkloadCharts.Tune(result);
        Assert.Equal("measurements", chart.XTitle);
        Assert.Equal("tune cnn (familyseer): 2.00x faster than untuned after 48 measurements", chart.Title);
        var panel = Assert.Single(chart.Panels);
        Assert.Equal([16.0, 32.0, 48.0], panel.Series[0].X);
        Assert.Equal([3.5, 2.5, 2.0], panel.Series[0].Y.Select(y => Math.Round(y, 9)));
        Assert.Equal(4.0, Assert.Single(panel.Lines!).Y, 9);
        // Before every task was measured there is no end-to-end latency.
        var early = WorkloadCharts.Tune(result with { Measurements = 8, UntunedLatencySeconds = 0, BestLatencySeconds = 0, Speedup = 0,
            Curve = [new TuneCurvePoint(8, 0)] });
        Assert.Contains("no end-to-end latency after 8 measurements", early.Title);
        Assert.Empty(early.Panels[0].Series[0].X);
        Assert.Null(early.Panels[0].Lines);
    }

    [Fact]
    public void HarTrain_draws_the_recogniser_then_the_distillation_each_from_its_own_step_one()
    {
        var history = new ProgressHistory();
        // Three recogniser steps, then two IMFE steps counted after them (done 4 and 5).
        foreach (var (done, loss) in new[] { (1L, 1.4), (2L, 1.1), (3L, 0.9), (4L, 0.5), (5L, 0.3) })
        {
            history.Add(Progress(done, ("loss", loss)));
        }
        var result = new HarTrainResult("har-train", ["wave"], 1.4, 0.9, 0.5, 0.3, 0.35, 0.9, 0.9, 0.85, 1000,
            new HarTrainInputs(10, 5, 3, 2, 4, 2e-3, 1, 1));
        var chart = WorkloadCharts.HarTrain(result, history);
        Assert.Equal([1.0, 2.0, 3.0], chart.Panels[0].Series[0].X);
        Assert.Equal([1.4, 1.1, 0.9], chart.Panels[0].Series[0].Y);
        Assert.Equal([1.0, 2.0], chart.Panels[1].Series[0].X);
        Assert.Equal([0.5, 0.3], chart.Panels[1].Series[0].Y);
        Assert.Equal("har-train: loss 1.4 to 0.9, IMFE 0.5 to 0.3 (first and last 10 steps)", chart.Title);
    }

    [Fact]
    public async Task Run_fci_plot_writes_a_png_of_the_Davidson_iterations_of_the_stated_size()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-fci-plot-");
        try
        {
            var png = Path.Combine(dir.FullName, "h2o.png");
            var svg = Path.Combine(dir.FullName, "h2o.svg");
            foreach (var file in new[] { png, svg })
            {
                var run = await LocalHosts.RunCliAsync(["run", "fci", "--fcidump", "h2o", "--quiet", "--plot", file], TimeSpan.FromMinutes(5));
                Assert.True(run.ExitCode == 0, run.Stderr);
                Assert.Contains($"plot              {file}", run.Stdout);
            }
            using var bitmap = SKBitmap.Decode(png);
            Assert.Equal(ChartFile.Width, bitmap.Width);
            Assert.Equal(ChartFile.TitleHeight + 2 * ChartFile.PanelHeight, bitmap.Height);
            var text = XDocument.Load(svg).Root!.Value;
            Assert.Contains("fci h2o: E = -75.", text);
            Assert.Contains("residual norm", text);
            Assert.Contains("Davidson iteration", text);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
