using System.Text.Json;
using Dataflow.Actors.Nqs;
using Dataflow.Actors.Runtime;
using Dataflow.Host;
using Dataflow.Kernels.Train;
using Dataflow.Nqs;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>A client never names a host path: a client's checkpoint directory and resume directory are its own, the
/// checkpoint it resumes from travels with the job, and a host writes only under its <c>--work-dir</c>, one folder per
/// job. The host and the client run in different current directories, so a relative path the client names would land
/// elsewhere if the host used it.</summary>
public sealed class ClientPathsProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Train_checkpoints_land_in_the_clients_relative_directory_and_the_host_writes_only_under_its_work_dir()
    {
        var root = Directory.CreateTempSubdirectory("paths-train-");
        try
        {
            var hostCwd = Directory.CreateDirectory(Path.Combine(root.FullName, "host-cwd")).FullName;
            var clientCwd = Directory.CreateDirectory(Path.Combine(root.FullName, "client-cwd")).FullName;
            var workDir = Path.Combine(root.FullName, "host-work");
            using var hosts = new LocalHosts();
            await hosts.StartAsync(["--compute-threads", "1", "--work-dir", workDir], workingDirectory: hostCwd);

            var run = await LocalHosts.RunCliAsync(["run", "train", "--steps", "20", "--checkpoint-every", "5",
                "--checkpoint-dir", "ckrel", "--cluster", hosts.Seed, "--json", "-", "--quiet"], s_limit, output.WriteLine,
                workingDirectory: clientCwd);
            Assert.True(run.ExitCode == 0, run.Stderr + string.Join("\n", hosts.Log));
            var result = JsonDocument.Parse(run.Stdout).RootElement;
            var id = result.GetProperty("jobId").GetString()!;

            var clientFolder = Path.Combine(clientCwd, "ckrel", id);
            var clientFiles = Names(clientFolder);
            output.WriteLine($"client {clientFolder}: {string.Join(" ", clientFiles)}");
            // The first placement's (step 0), then every 5 steps.
            Assert.Equal(["step-00000000.ckpt", "step-00000005.ckpt", "step-00000010.ckpt", "step-00000015.ckpt", "step-00000020.ckpt"],
                clientFiles);
            var last = TrainCheckpoint.Load(Path.Combine(clientFolder, "step-00000020.ckpt"));
            Assert.Equal(result.GetProperty("weightsSha256").GetString(), TrainCheckpoint.WeightsSha256(last.Parameters));
            Assert.False(result.GetProperty("inputs").TryGetProperty("checkpointDirectory", out _));
            Assert.True(result.GetProperty("inputs").GetProperty("checkpointFiles").GetBoolean());

            // The host wrote nothing in its current directory, and only the job's folder under its work directory.
            Assert.Empty(Directory.EnumerateFileSystemEntries(hostCwd));
            Assert.Equal([id], Names(workDir));
            var hostFolder = Path.Combine(workDir, id);
            Assert.Equal(clientFiles, Names(hostFolder));
            foreach (var file in clientFiles)
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(hostFolder, file)), File.ReadAllBytes(Path.Combine(clientFolder, file)));
            }
            Assert.Equal(["ckrel"], Names(clientCwd));

            // Resuming from the client's step-10 file (it travels with the job) gives the uninterrupted weights.
            var resumed = await LocalHosts.RunCliAsync(["run", "train", "--steps", "20", "--checkpoint-every", "5",
                "--resume", Path.Combine("ckrel", id, "step-00000010.ckpt"), "--cluster", hosts.Seed, "--json", "-", "--quiet"],
                s_limit, output.WriteLine, workingDirectory: clientCwd);
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.Equal(result.GetProperty("weightsSha256").GetString(),
                JsonDocument.Parse(resumed.Stdout).RootElement.GetProperty("weightsSha256").GetString());
            Assert.Empty(Directory.EnumerateFileSystemEntries(hostCwd));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Nqs_resume_from_a_directory_only_the_client_has_gives_the_uninterrupted_history()
    {
        var root = Directory.CreateTempSubdirectory("paths-nqs-");
        try
        {
            var hostCwd = Directory.CreateDirectory(Path.Combine(root.FullName, "host-cwd")).FullName;
            var clientCwd = Directory.CreateDirectory(Path.Combine(root.FullName, "client-cwd")).FullName;
            var workDir = Path.Combine(root.FullName, "host-work");
            string[] job = ["run", "nqs", "--fcidump", "h2", "--iterations", "30", "--samplers", "2", "--evaluators", "2",
                "--checkpoint-every", "5", "--json", "-", "--quiet"];

            // The uninterrupted history, embedded.
            var whole = await LocalHosts.RunCliAsync(job, s_limit, workingDirectory: clientCwd);
            Assert.True(whole.ExitCode == 0, whole.Stderr);
            var wholeEnergies = Energies(whole.Stdout);

            using var hosts = new LocalHosts();
            await hosts.StartAsync(["--work-dir", workDir], workingDirectory: hostCwd);

            // Interrupted on the cluster: the client writes the checkpoints it receives to its own directory.
            var resumeDir = Path.Combine(clientCwd, "h2-ck");
            await using (var cluster = await DataflowCluster.ConnectAsync(hosts.Seed))
            {
                var interrupted = Job.Nqs().Fcidump(global::Dataflow.Kernels.Quantum.BundledMolecules.Path("h2")).Iterations(30)
                    .Workers(2, 2).Checkpoints(5, resumeDir).Build();
                using var cancel = new CancellationTokenSource();
                var progress = new SynchronousProgress(p =>
                {
                    if (p.Done >= 8)
                    {
                        cancel.Cancel();
                    }
                });
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cluster.RunAsync(interrupted, progress, cancel.Token));
            }
            var saved = NqsCheckpoint.FromBytes(NqsJob.ReadCheckpoint(resumeDir)!);
            output.WriteLine($"the client's {resumeDir} holds the iteration-{saved.Iteration} checkpoint");
            Assert.InRange(saved.Iteration, 5, 30);
            Assert.Empty(Directory.EnumerateFileSystemEntries(hostCwd));

            // Resumed on the cluster by the command line, from a relative directory the host cannot see.
            var resumed = await LocalHosts.RunCliAsync([.. job, "--resume", "h2-ck", "--cluster", hosts.Seed], s_limit,
                output.WriteLine, workingDirectory: clientCwd);
            Assert.True(resumed.ExitCode == 0, resumed.Stderr + string.Join("\n", hosts.Log));
            Assert.Equal(wholeEnergies, Energies(resumed.Stdout));
            Assert.Equal(30, NqsCheckpoint.FromBytes(NqsJob.ReadCheckpoint(resumeDir)!).Iteration);

            // The host kept its copies in the jobs' folders under its work directory, and wrote nothing else.
            Assert.Empty(Directory.EnumerateFileSystemEntries(hostCwd));
            var folders = Directory.GetDirectories(workDir);
            Assert.Equal(2, folders.Length);
            Assert.All(folders, f => Assert.Equal([NqsCheckpoint.FileName], Names(f)));
            var resumedId = JsonDocument.Parse(resumed.Stdout).RootElement.GetProperty("jobId").GetString()!;
            Assert.Equal(File.ReadAllBytes(Path.Combine(resumeDir, NqsCheckpoint.FileName)),
                File.ReadAllBytes(Path.Combine(workDir, resumedId, NqsCheckpoint.FileName)));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_job_id_that_is_not_a_folder_name_is_refused()
    {
        using var hosts = new LocalHosts();
        var root = Directory.CreateTempSubdirectory("paths-id-");
        try
        {
            await hosts.StartAsync(["--work-dir", Path.Combine(root.FullName, "work")]);
            await using var cluster = await DataflowCluster.ConnectAsync(hosts.Seed);
            var job = new FixedId("../escape", Job.Train().Steps(1).CheckpointDirectory(Path.Combine(root.FullName, "ck")).Build());
            var e = await Assert.ThrowsAsync<DataflowJobException>(() => cluster.RunAsync(job));
            Assert.Contains("not a folder name", e.Message);
            Assert.False(Directory.Exists(Path.Combine(root.FullName, "escape")));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static string[] Names(string folder) =>
        Directory.GetFileSystemEntries(folder).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    private static double[] Energies(string json) => JsonDocument.Parse(json).RootElement.GetProperty("history")
        .EnumerateArray().Select(h => h.GetProperty("energy").GetDouble()).ToArray();

    private sealed class SynchronousProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }

    /// <summary>A job submitted under a chosen id, as a client other than this one could.</summary>
    private sealed class FixedId(string id, IJobDefinition job) : IJobDefinition
    {
        public string Workload => job.Workload;

        public JobSpec ToSpec(string jobId) => job.ToSpec(id);
    }
}
