namespace Dataflow.Kernels.Fl;

/// <summary>One federated round's outcome: the Dice per institute after aggregation, the mean, and timings.</summary>
/// <param name="LocalSeconds">Each participating institute's local training time (NaN where it did not train).</param>
public sealed record FlRound(int Round, double MeanDice, double[] DicePerInstitute, double MeanLoss, double[] LocalSeconds);

/// <summary>A whole run: the rounds, and the SHA-256 of the final global weights.</summary>
public sealed record FlRun(string Strategy, FlRound[] Rounds, string WeightsSha256)
{
    /// <summary>The last round's mean Dice.</summary>
    public double MeanDice => Rounds[^1].MeanDice;
}

/// <summary>Federated training of every institute in this process, through the same <see cref="IFlStrategy"/> and
/// <see cref="InstituteTrainer"/> as the actors (the reference the distributed run must equal bit for bit), and the
/// centralised upper reference.</summary>
public static class FlSimulation
{
    /// <summary>Runs <paramref name="settings"/> on <paramref name="data"/> (one entry per institute; synthetic when
    /// null), institutes in parallel up to <paramref name="parallelism"/>.</summary>
    /// <remarks>Institutes take turns on libtorch within a process (see TorchThreads), so <paramref name="parallelism"/>
    /// changes which threads run them, not how many train at once.</remarks>
    public static FlRun Run(FlSettings settings, IReadOnlyList<InstituteData>? data = null, int parallelism = 1,
        Action<FlRound>? progress = null)
    {
        settings.Validate();
        data ??= Enumerable.Range(0, settings.Institutes).Select(i => SyntheticVolumes.Institute(settings, i)).ToArray();
        var trainers = Enumerable.Range(0, settings.Institutes).Select(i => new InstituteTrainer(settings, i, data[i])).ToArray();
        try
        {
            var strategy = FlStrategies.Create(settings);
            var global = FlWeights.Initial(settings);
            var everyone = Enumerable.Range(0, settings.Institutes).ToArray();
            var rounds = new List<FlRound>();
            var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism };
            for (var round = 0; round < settings.Rounds; round++)
            {
                var fits = strategy.ConfigureFit(round, global, everyone);
                var results = new FitResult[fits.Count];
                Parallel.For(0, fits.Count, options, k => results[k] = trainers[fits[k].Institute].Fit(fits[k]));
                global = strategy.AggregateFit(round, global, results);
                var evaluations = strategy.ConfigureEvaluate(round, global, everyone);
                var measured = new EvaluateResult[evaluations.Count];
                Parallel.For(0, evaluations.Count, options, k => measured[k] = trainers[evaluations[k].Institute].Evaluate(evaluations[k]));
                var summary = strategy.AggregateEvaluate(round, measured);
                var seconds = Enumerable.Repeat(double.NaN, settings.Institutes).ToArray();
                foreach (var r in results)
                {
                    seconds[r.Institute] = r.Seconds;
                }
                var report = new FlRound(round + 1, summary.MeanDice, summary.DicePerInstitute, results.Average(r => r.Loss), seconds);
                rounds.Add(report);
                progress?.Invoke(report);
            }
            return new FlRun(strategy.Name, [.. rounds], global.Sha256());
        }
        finally
        {
            foreach (var t in trainers)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>The upper reference: one model trained on the union of the institutes' training volumes for as many
    /// epochs as a federated run makes (rounds x local epochs), measured on each institute's held-out volumes.</summary>
    public static FlRun Centralised(FlSettings settings, IReadOnlyList<InstituteData>? data = null)
    {
        settings.Validate();
        data ??= Enumerable.Range(0, settings.Institutes).Select(i => SyntheticVolumes.Institute(settings, i)).ToArray();
        var union = new InstituteData(data.SelectMany(d => d.Train).ToArray(), data[0].Test);
        var pooled = settings with { Institutes = 1, InstituteNames = null, Strategy = FlStrategyKind.LocalOnly, Vfda = false };
        using var trainer = new InstituteTrainer(pooled, 0, union);
        var strategy = new LocalOnly(pooled);
        var global = FlWeights.Initial(pooled);
        var rounds = new List<FlRound>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var fit = strategy.ConfigureFit(round, global, [0])[0];
            var result = trainer.Fit(fit);
            var empty = global.Where(_ => false);
            var dice = data.Select(d => trainer.Measure(empty, d.Test).Dice).ToArray();
            rounds.Add(new FlRound(round + 1, dice.Average(), dice, result.Loss, [result.Seconds]));
        }
        return new FlRun("centralised", [.. rounds], "");
    }
}
