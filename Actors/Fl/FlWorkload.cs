using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Fl;

namespace Dataflow.Actors.Fl;

/// <summary>The <c>fl</c> verb: federated 3-D segmentation across institute actors with an aggregator (VFDA).</summary>
public sealed class FlWorkload : Workload
{
    /// <summary>The verb.</summary>
    public const string Verb = "fl";

    /// <summary>The node label of a host that serves one institute (<c>dataflow host --institute NAME</c>): the
    /// institute of that name is placed there and nowhere else.</summary>
    public const string InstituteLabel = "fl.institute";

    /// <summary>The node label of the folder holding the served institute's volumes on its host (<c>--data DIR</c>).</summary>
    public const string DataLabel = "fl.data";

    /// <inheritdoc />
    public override string Name => Verb;

    /// <inheritdoc />
    public override Type PayloadType => typeof(FlJobSpec);

    /// <summary>The command-line name of <paramref name="strategy"/>.</summary>
    public static string StrategyName(FlStrategyKind strategy) => strategy switch
    {
        FlStrategyKind.FedAvg => "fedavg",
        FlStrategyKind.FedProx => "fedprox",
        FlStrategyKind.FedBN => "fedbn",
        FlStrategyKind.LocalOnly => "local",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null),
    };

    /// <inheritdoc />
    public override void Validate(JobSpec spec) => Decode<FlJobSpec>(spec).Validate();

    /// <inheritdoc />
    public override Props DriverProps(JobStart start) =>
        TorchRuntime.TryLoadNative(out var error)
            ? Props.Create(() => new FlDriver(start))
            : UnavailableDriver.Props(start.Spec.JobId, start.Client, error);

    /// <inheritdoc />
    public override Props StageProps(JobSpec spec, string node) => Props.Create(() => new FlStage(spec, node));
}
