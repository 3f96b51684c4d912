using System.Text.Json.Nodes;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Quantum;
using Dataflow.Kernels.Train;
using Json.Schema;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Dataflow;

/// <summary>Every workload's JSON result against its committed JSON Schema (<c>Dataflow/Schemas</c>), checked by an
/// independent draft 2020-12 validator (JsonSchema.Net).</summary>
/// <remarks>The schemas close every object (<c>additionalProperties: false</c>) and require every property the
/// serializer writes, so a property added to, renamed in or removed from a result record without its schema fails
/// here.</remarks>
public sealed class ResultSchemaSpec(ITestOutputHelper output)
{
    private static readonly string[] s_workloads = ["train", "fci", "nqs", "md", "tune", "har", "har-train", "sft", "fl", "dp-train"];

    [Theory]
    [InlineData("train")]
    [InlineData("fci")]
    [InlineData("nqs")]
    [InlineData("md")]
    [InlineData("tune")]
    [InlineData("har")]
    [InlineData("har-train")]
    [InlineData("sft")]
    [InlineData("fl")]
    [InlineData("dp-train")]
    public async Task A_real_result_validates_against_its_schema(string workload)
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var result = await cluster.RunAsync(SmallJob(workload));
        output.WriteLine(result.Json);

        var problems = Problems(workload, JsonNode.Parse(result.Json));
        Assert.True(problems.Count == 0, $"{workload} result does not match its schema:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public async Task The_validator_rejects_a_missing_property_a_wrong_type_and_an_unknown_property()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        // Without a reference, so that reference and error are written as null (and must still validate).
        var json = (await cluster.RunAsync(Job.Fci().Fcidump(BundledMolecules.Path("h2")).Build())).Json;
        Assert.Empty(Problems("fci", JsonNode.Parse(json)));

        var names = JsonNode.Parse(json)!.AsObject().Select(p => p.Key).ToArray();
        Assert.Contains("energy", names);
        foreach (var name in names)
        {
            var missing = JsonNode.Parse(json)!.AsObject();
            missing.Remove(name);
            Assert.Contains(Problems("fci", missing), p => p.Contains($"\"{name}\"", StringComparison.Ordinal));

            var wrongType = JsonNode.Parse(json)!.AsObject();
            wrongType[name] = true;
            Assert.Contains(Problems("fci", wrongType), p => p.StartsWith($"/{name}:", StringComparison.Ordinal));
        }

        var nested = JsonNode.Parse(json)!.AsObject();
        nested["inputs"]!["tolerance"] = "1e-10";
        Assert.Contains(Problems("fci", nested), p => p.StartsWith("/inputs/tolerance:", StringComparison.Ordinal));

        var energyAsText = JsonNode.Parse(json)!.AsObject();
        energyAsText["energy"] = energyAsText["energy"]!.ToJsonString();
        Assert.Contains(Problems("fci", energyAsText), p => p.StartsWith("/energy:", StringComparison.Ordinal));

        var unknown = JsonNode.Parse(json)!.AsObject();
        unknown["energyEv"] = -30.9;
        Assert.NotEmpty(Problems("fci", unknown));
    }

    [Fact]
    public void Every_workload_has_a_valid_draft_2020_12_schema_embedded_and_beside_the_assembly()
    {
        Assert.Equal(s_workloads.Order(StringComparer.Ordinal), ResultSchemas.Workloads);
        foreach (var workload in s_workloads)
        {
            var path = Path.Combine(ResultSchemas.Directory, ResultSchemas.FileName(workload));
            Assert.Equal(ResultSchemas.Text(workload), File.ReadAllText(path));

            var schema = JsonNode.Parse(File.ReadAllText(path))!;
            var meta = MetaSchemas.Draft202012.Evaluate(schema, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
            Assert.True(meta.IsValid, $"{path} is not a valid draft 2020-12 schema:\n{string.Join("\n", Messages(meta))}");
            Assert.Equal(global::Dataflow.Actors.Runtime.WorkloadResult.CurrentSchemaVersion, (int)schema["properties"]!["schemaVersion"]!["const"]!);
        }
        Assert.Throws<ArgumentException>(() => ResultSchemas.Text("nosuch"));
    }

    /// <summary>A job of <paramref name="workload"/> that takes seconds, with every optional part of its result
    /// present (reference and error, balancing, a thermostat).</summary>
    private static IJobDefinition SmallJob(string workload) => workload switch
    {
        "train" => Job.Train().Model(TrainModelKind.Mlp).LogicalWorkers(2).Steps(3).Seed(5).Build(),
        "fci" => Job.Fci().Fcidump(BundledMolecules.Path("h2"))
            .Reference(BundledMolecules.Reference("h2").FciEnergyHartree).Build(),
        "nqs" => Job.Nqs().Fcidump(BundledMolecules.Path("h2")).Iterations(3)
            .Reference(BundledMolecules.Reference("h2").FciEnergyHartree).Build(),
        "md" => Job.Md().Data(MdReferenceData.File("lj-500.data")).Pair("lj/cut", 2.5).Skin(0.3).RebuildEvery(10)
            .Steps(40).Thermo(10).Domains("2x1x1").Balance("ring", 20).Langevin(1.0, 1.0, 0.5, 48279).Build(),
        "tune" => Job.Tune().Model("cnn").Budget(16).BatchSize(4).MeasureRepeats(1).Build(),
        "har" => Job.Har().Synthetic().Features("flow").Resolution(48, 64).Frames(24).Build(),
        "har-train" => Job.HarTrain().Settings(s => s with { TrainClips = 6, TestClips = 6, RecogniserSteps = 2, ImfeSteps = 2, Batch = 4 }).Build(),
        "sft" => Job.Sft().Synthetic(global::Dataflow.Kernels.Sft.SyntheticMix.Lmsys).ChunkSize(256).Batch(4).Steps(2).Seed(5).Build(),
        "fl" => Job.Fl().Institutes(2).Rounds(2).Vfda().Settings(s => s with { Side = 8, BaseChannels = 4, TrainVolumes = 2, TestVolumes = 1 }).Build(),
        "dp-train" => Job.DpTrain().Data(Path.Combine(MdReferenceData.Directory, "dp-lj-binary", "holdout")).Steps(2).Build(),
        _ => throw new ArgumentOutOfRangeException(nameof(workload), workload, "no small job for this workload"),
    };

    /// <summary>What the committed schema of <paramref name="workload"/>'s result finds wrong with
    /// <paramref name="instance"/>, as "instance location: message" lines; empty when it is valid.</summary>
    private static List<string> Problems(string workload, JsonNode? instance)
    {
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(ResultSchemas.Directory, ResultSchemas.FileName(workload))));
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        return results.IsValid ? [] : Messages(results);
    }

    /// <summary>The errors of the failing branches of a hierarchical evaluation (a passing <c>anyOf</c> keeps its
    /// failed alternatives to itself).</summary>
    private static List<string> Messages(EvaluationResults results) =>
        results.IsValid
            ? []
            : [
                .. results.Errors?.Values.Select(e => $"{results.InstanceLocation}: {e}") ?? [],
                .. results.Details.SelectMany(Messages),
            ];
}
