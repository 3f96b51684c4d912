using Akka.Actor;
using Dataflow.Actors.Runtime;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

/// <summary>The coordinator on an embedded cluster: a job whose driver keeps failing ends clearly.</summary>
public sealed class JobCoordinatorSpec
{
    static JobCoordinatorSpec() => Workloads.Register(new BrokenWorkload());

    [Fact]
    public async Task A_driver_that_cannot_be_created_ends_its_job_with_the_cause_and_a_failed_record()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var failure = await Assert.ThrowsAsync<DataflowJobException>(() => cluster.RunAsync(new BrokenJob()));
        // Stopped at once (a constructor fails the same way on every restart), with the driver's own message.
        Assert.Equal("it cannot start: this driver always fails", failure.Message);
        var record = await cluster.GetJobAsync(failure.JobId);
        Assert.Equal("failed", record.State);
        Assert.True(record.HasEnded);
        Assert.Equal("it cannot start: this driver always fails", record.Error);
    }

    /// <summary>A workload whose driver cannot be created.</summary>
    private sealed class BrokenWorkload : Workload
    {
        public override string Name => "broken";

        public override Type PayloadType => typeof(byte[]);

        public override void Validate(JobSpec spec)
        {
        }

        public override Props DriverProps(JobStart start) => Props.Create(() => new BrokenDriver());

        public override Props StageProps(JobSpec spec, string node) => throw new InvalidOperationException("no stage");
    }

    private sealed class BrokenDriver : ReceiveActor
    {
        public BrokenDriver() => throw new InvalidOperationException("this driver always fails");
    }

    private sealed record BrokenJob : IJobDefinition
    {
        public string Workload => "broken";

        public JobSpec ToSpec(string jobId) => new(jobId, Workload, []);
    }
}
