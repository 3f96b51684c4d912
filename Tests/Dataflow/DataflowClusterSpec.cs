using Dataflow.Kernels.Train;
using Dataflow.Train;
using Xunit;

namespace Dataflow.Tests.Dataflow;

/// <summary>The client API against an embedded cluster.</summary>
public sealed class DataflowClusterSpec
{
    [Fact]
    public async Task Embedded_run_matches_the_single_process_training_loop()
    {
        var job = Job.Train().Model(TrainModelKind.Mlp).LogicalWorkers(3).Steps(12).Seed(21).Build();
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var seen = new List<long>();
        var result = (await cluster.RunAsync(job, new Inline(p => { lock (seen) seen.Add(p.Done); }))).As<TrainResult>();

        using var worker = new GradientWorker(job.Spec.Settings);
        var reference = TrainLoop.Run(job.Spec.Settings, 12, worker);
        Assert.Equal(TrainCheckpoint.WeightsSha256(reference.Final.Parameters), result.WeightsSha256);
        Assert.Equal(12, result.Steps);
        Assert.Equal(3, result.LogicalWorkers);
        Assert.Equal(0, result.PlacementChanges);
        lock (seen)
        {
            Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), seen.Where(d => d > 0));
        }
    }

    [Fact]
    public async Task Cancelling_a_run_cancels_the_job_on_the_cluster()
    {
        var job = Job.Train().Model(TrainModelKind.Cnn).Steps(100_000).Build();
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        using var cancel = new CancellationTokenSource();
        var run = cluster.RunAsync(job, new Inline(p =>
        {
            if (p.Done >= 3)
            {
                cancel.Cancel();
            }
        }), cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var jobs = (await cluster.StatusAsync()).Jobs;
        while (jobs.Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            jobs = (await cluster.StatusAsync()).Jobs;
        }
        Assert.Empty(jobs);
    }

    [Fact]
    public async Task Connecting_to_nothing_fails_within_the_connect_timeout()
    {
        var port = global::Dataflow.Host.LocalHosts.FreePort();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            DataflowCluster.ConnectAsync($"127.0.0.1:{port}", new DataflowClusterOptions { ConnectTimeout = TimeSpan.FromSeconds(3) }));
        Assert.InRange(clock.Elapsed.TotalSeconds, 2.5, 10);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
    }

    [Fact]
    public async Task The_connect_timeout_comes_from_the_configuration_unless_the_option_sets_it()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("dataflow-connect-").FullName, "connect.conf");
        File.WriteAllText(file, "dataflow.connect-timeout = 1s\n");
        var port = global::Dataflow.Host.LocalHosts.FreePort();
        var seed = $"127.0.0.1:{port}";
        try
        {
            var fromFile = await Assert.ThrowsAsync<TimeoutException>(() =>
                DataflowCluster.ConnectAsync(seed, new DataflowClusterOptions { HoconFiles = [file] }));
            Assert.Contains("within 1 s", fromFile.Message);

            var fromOption = await Assert.ThrowsAsync<TimeoutException>(() => DataflowCluster.ConnectAsync(seed,
                new DataflowClusterOptions { HoconFiles = [file], ConnectTimeout = TimeSpan.FromSeconds(2) }));
            Assert.Contains("within 2 s", fromOption.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    private sealed class Inline(Action<global::Dataflow.Actors.Runtime.JobProgress> report) : IProgress<global::Dataflow.Actors.Runtime.JobProgress>
    {
        public void Report(global::Dataflow.Actors.Runtime.JobProgress value) => report(value);
    }
}
