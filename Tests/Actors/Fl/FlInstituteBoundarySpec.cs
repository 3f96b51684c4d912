using System.Reflection;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dataflow.Actors.Fl;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Fl;
using Xunit;

namespace Dataflow.Tests.Actors.Fl;

/// <summary>The institute actor is the privacy boundary of <c>fl</c>: every message it sends during a run carries only
/// weights, counts, metrics and feature statistics.</summary>
public sealed class FlInstituteBoundarySpec() : TestKit(DataflowNode.LoadConfig(new NodeOptions()), "fl-boundary")
{
    private static readonly TimeSpan s_wait = TimeSpan.FromMinutes(2);

    // What may be inside a message that leaves an institute: names, counts, figures and vectors of them.
    private static readonly HashSet<Type> s_allowedLeaves =
    [
        typeof(string), typeof(int), typeof(long), typeof(double), typeof(float), typeof(bool),
        typeof(string[]), typeof(int[]), typeof(float[]), typeof(double[]), typeof(double[][]),
    ];

    [Fact]
    public void Every_message_an_institute_sends_in_a_run_carries_only_weights_counts_metrics_and_feature_statistics()
    {
        var settings = new FlSettings(Institutes: 2, Rounds: 2, Vfda: true, Side: 8, BaseChannels: 2, TrainVolumes: 2,
            TestVolumes: 1, Batch: 2);
        var institute = Sys.ActorOf(Props.Create(() => new FlInstitute("job-1", settings, 1, "node-a"))
            .WithDispatcher("akka.actor.compute-dispatcher"));
        var strategy = FlStrategies.Create(settings);
        var global = FlWeights.Initial(settings);
        var sent = new List<object>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var fit = strategy.ConfigureFit(round, global, [1])[0];
            institute.Tell(new InstituteFit("job-1", 1, fit), TestActor);
            var fitted = ExpectMsg<object>(s_wait);
            sent.Add(fitted);
            var result = Assert.IsType<FlFitted>(fitted).Result;
            global = strategy.AggregateFit(round, global, [result]);
            institute.Tell(new InstituteEvaluate("job-1", 1, strategy.ConfigureEvaluate(round, global, [1])[0]), TestActor);
            sent.Add(ExpectMsg<object>(s_wait));
        }
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // The types that crossed the boundary, and everything they can carry.
        Assert.Equal([typeof(FlEvaluated), typeof(FlFitted)], sent.Select(m => m.GetType()).Distinct().OrderBy(t => t.Name));
        foreach (var type in sent.Select(m => m.GetType()).Distinct().Append(typeof(FlInstituteFailed)))
        {
            foreach (var (path, leaf) in Leaves(type, type.Name, []))
            {
                Assert.True(s_allowedLeaves.Contains(leaf), $"{path} is a {leaf}: not a weight, count, metric or statistic");
            }
        }
        // And by value: the vectors are the model's parameters and per-channel statistics, never volume-sized.
        var voxels = settings.Side * settings.Side * settings.Side;
        var parameters = FlWeights.Initial(settings).Values.Length;
        foreach (var fitted in sent.OfType<FlFitted>())
        {
            Assert.Equal(parameters, fitted.Result.Weights.Values.Length);
            Assert.Equal(settings.TrainVolumes, fitted.Result.Samples);
            var statistics = fitted.Result.Statistics!;
            Assert.All(statistics.Mean.Concat(statistics.Std), row => Assert.True(row.Length <= 4 * settings.BaseChannels));
            Assert.All(statistics.MeanVariance.Concat(statistics.StdVariance), row => Assert.All(row, v => Assert.Equal(0, v)));
        }
        Assert.NotEqual(parameters, voxels);
        Assert.All(sent.OfType<FlEvaluated>(), e => Assert.InRange(e.Result.Dice, 0, 1));
    }

    // Every leaf of a message type: its public properties, followed into records and arrays of records.
    private static IEnumerable<(string Path, Type Leaf)> Leaves(Type type, string path, HashSet<Type> seen)
    {
        if (s_allowedLeaves.Contains(type) || type.IsEnum)
        {
            yield return (path, type.IsEnum ? typeof(int) : type);
            yield break;
        }
        var element = type.IsArray ? type.GetElementType()! : Nullable.GetUnderlyingType(type) ?? type;
        if (element != type)
        {
            foreach (var leaf in Leaves(element, path + "[]", seen))
            {
                yield return leaf;
            }
            yield break;
        }
        if (!seen.Add(type) || type.IsPrimitive || type == typeof(object))
        {
            yield return (path, type);
            yield break;
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            if (property.Name == "EqualityContract")
            {
                continue;
            }
            foreach (var leaf in Leaves(property.PropertyType, $"{path}.{property.Name}", seen))
            {
                yield return leaf;
            }
        }
    }
}
