using System.Security.Cryptography;
using Dataflow.Actors.Runtime;
using Dataflow.DpTrain;
using Dataflow.Host;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.DeepPotential;
using Dataflow.Tests.Kernels.Md.DeepPotential;
using Xunit;

namespace Dataflow.Tests.Dataflow;

/// <summary><c>dp-train</c> through the runtime: the model file's bits equal the in-process trainer's and do not
/// change when a second node takes some logical workers; bad data is exit code 2 naming the file.</summary>
public sealed class DpTrainWorkloadSpec
{
    private static string Data(string part) => Path.Combine(MdReferenceData.Directory, "dp-lj-binary", part);

    [Fact]
    public async Task The_model_is_the_in_process_trainers_bits_on_one_node_and_on_two()
    {
        var model = Path.Combine(Path.GetTempPath(), $"dp-{Guid.NewGuid():N}.dfdp");
        var job = Job.DpTrain().Data(Data("train")).Holdout(Data("holdout")).Steps(6).Seed(4)
            .Settings(s => s with { BatchSize = 6, LogicalWorkers = 3 }).Output(model).Build();

        // The same job in this process: workers in turn, summed in worker order.
        using var trainer = new DpTrainer(job.Spec.Settings, [DeepmdSystem.Read(Data("train"))]);
        trainer.Train();
        var expected = Convert.ToHexStringLower(SHA256.HashData(DpModelFile.ToBytes(trainer.Model)));
        var metrics = DpTrainer.Test(trainer.Model, [DeepmdSystem.Read(Data("holdout"))]);

        await using var embedded = await DataflowCluster.StartEmbeddedAsync();
        try
        {
            var one = (await embedded.RunAsync(job)).As<DpTrainResult>();
            Assert.Equal(expected, one.ModelSha256);
            Assert.Equal(metrics.ForceRmse, one.ForceRmse);
            Assert.Equal(metrics.VirialRmse, one.VirialRmse);
            Assert.Equal(12, one.TestFrames);
            Assert.Equal(6, one.Steps);
            Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model))));
            using (var read = DpModelFile.Read(model))
            {
                Assert.Equal(trainer.Model.Parameters, read.Parameters);
            }

            var second = DataflowNode.Start(new NodeOptions { Seeds = [embedded.Address], ComputeThreads = 1 });
            try
            {
                await second.WaitUntilUpAsync(TimeSpan.FromSeconds(60));
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while ((await embedded.StatusAsync()).Members.Count(m => m.Roles.Contains("compute")) < 2 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                }
                var two = (await embedded.RunAsync(job)).As<DpTrainResult>();
                Assert.Equal(expected, two.ModelSha256);
            }
            finally
            {
                await second.ShutdownAsync();
            }
        }
        finally
        {
            File.Delete(model);
        }
    }

    [Fact]
    public async Task Bad_data_is_exit_code_2_naming_the_file_before_any_work()
    {
        var root = Directory.CreateTempSubdirectory("dp-bad-").FullName;
        try
        {
            var missing = await LocalHosts.RunCliAsync(["run", "dp-train", "--data", Path.Combine(root, "nosuch")], TimeSpan.FromSeconds(60));
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains(Path.Combine(root, "nosuch"), missing.Stderr);

            DeepmdSystem.Read(Data("holdout")).Write(Path.Combine(root, "sys"));
            var force = Path.Combine(root, "sys", "set.000", "force.npy");
            File.WriteAllBytes(force, File.ReadAllBytes(force)[..^8]);
            var truncated = await LocalHosts.RunCliAsync(["run", "dp-train", "--data", Path.Combine(root, "sys")], TimeSpan.FromSeconds(60));
            Assert.Equal(2, truncated.ExitCode);
            Assert.Contains($"{force}: ", truncated.Stderr);
            Assert.Contains("truncated", truncated.Stderr);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
