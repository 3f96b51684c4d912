using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow jobs result ID --checkpoint-dir DIR</c>: a detached job's checkpoints, kept in its driver
/// host's work directory, are fetched into a directory of the client's, byte for byte, against a real host process.</summary>
public sealed class FetchJobFilesProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_detached_jobs_checkpoints_are_fetched_from_its_hosts_work_dir_into_the_clients_directory()
    {
        var root = Directory.CreateTempSubdirectory("fetch-process-");
        try
        {
            var hostCwd = Directory.CreateDirectory(Path.Combine(root.FullName, "host-cwd")).FullName;
            var submitCwd = Directory.CreateDirectory(Path.Combine(root.FullName, "submit-cwd")).FullName;
            var fetchCwd = Directory.CreateDirectory(Path.Combine(root.FullName, "fetch-cwd")).FullName;
            var workDir = Path.Combine(root.FullName, "host-work");
            using var hosts = new LocalHosts();
            await hosts.StartAsync(["--compute-threads", "1", "--work-dir", workDir], workingDirectory: hostCwd);

            var submit = await LocalHosts.RunCliAsync(["run", "train", "--steps", "20", "--checkpoint-every", "10",
                "--checkpoint-dir", "x", "--cluster", hosts.Seed, "--detach"], s_limit, workingDirectory: submitCwd);
            Assert.True(submit.ExitCode == 0, submit.Stderr + string.Join("\n", hosts.Log));
            var id = submit.Stdout.Trim();

            // Until the job ended: 'jobs result' says it still runs (exit 1) before.
            var deadline = DateTime.UtcNow + s_limit;
            while (true)
            {
                var result = await LocalHosts.RunCliAsync(["jobs", "result", id, "--cluster", hosts.Seed], s_limit);
                if (result.ExitCode == 0)
                {
                    break;
                }
                Assert.Contains("still", result.Stderr);
                Assert.True(DateTime.UtcNow < deadline, $"job {id} did not end: {result.Stderr}");
                await Task.Delay(500);
            }

            var fetch = await LocalHosts.RunCliAsync(["jobs", "result", id, "--checkpoint-dir", "fetched", "--cluster", hosts.Seed],
                s_limit, output.WriteLine, workingDirectory: fetchCwd);
            output.WriteLine(fetch.Stdout);
            Assert.True(fetch.ExitCode == 0, fetch.Stderr + string.Join("\n", hosts.Log));

            // The first placement's (step 0), then every 10 steps; the same bytes as the host's copies.
            var hostFolder = Path.Combine(workDir, id);
            var fetched = Path.Combine(fetchCwd, "fetched");
            string[] expected = ["step-00000000.ckpt", "step-00000010.ckpt", "step-00000020.ckpt"];
            Assert.Equal(expected, Names(hostFolder));
            Assert.Equal(expected, Names(fetched));
            foreach (var name in expected)
            {
                var bytes = File.ReadAllBytes(Path.Combine(hostFolder, name));
                Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(fetched, name)));
                Assert.Matches($@"(?m)^{name}\s+{bytes.Length} bytes$", fetch.Stdout.ReplaceLineEndings("\n"));
            }
            Assert.Contains("weights sha256", fetch.Stdout);
            // Nothing was written where the job was submitted from, nor in the host's current directory.
            Assert.Empty(Directory.EnumerateFileSystemEntries(submitCwd));
            Assert.Empty(Directory.EnumerateFileSystemEntries(hostCwd));

            var unknown = await LocalHosts.RunCliAsync(["jobs", "result", "train-no-such-job", "--checkpoint-dir", "u",
                "--cluster", hosts.Seed], s_limit, workingDirectory: fetchCwd);
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("no job train-no-such-job", unknown.Stderr);
            Assert.False(Directory.Exists(Path.Combine(fetchCwd, "u")));

            var escape = await LocalHosts.RunCliAsync(["jobs", "result", "../x", "--checkpoint-dir", "e", "--cluster", hosts.Seed],
                s_limit, workingDirectory: fetchCwd);
            Assert.Equal(2, escape.ExitCode);
            Assert.Contains("not a folder name", escape.Stderr);

            File.WriteAllText(Path.Combine(fetchCwd, "a-file"), "");
            var notDirectory = await LocalHosts.RunCliAsync(["jobs", "result", id, "--checkpoint-dir", "a-file", "--cluster", hosts.Seed],
                s_limit, workingDirectory: fetchCwd);
            Assert.Equal(2, notDirectory.ExitCode);
            Assert.Contains("--checkpoint-dir a-file", notDirectory.Stderr);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_md_jobs_trajectory_is_kept_in_its_hosts_work_dir_as_the_client_writes_it()
    {
        var root = Directory.CreateTempSubdirectory("fetch-dump-");
        try
        {
            var workDir = Path.Combine(root.FullName, "host-work");
            using var hosts = new LocalHosts();
            await hosts.StartAsync(["--work-dir", workDir]);
            var dump = Path.Combine(root.FullName, "client.dump");
            var json = Path.Combine(root.FullName, "md.json");

            var run = await LocalHosts.RunCliAsync(["run", "md", "--data", global::Dataflow.Kernels.Md.MdReferenceData.File("lj-500.data"),
                "--steps", "40", "--dump", dump, "--dump-every", "10", "--cluster", hosts.Seed, "--json", json], s_limit);
            Assert.True(run.ExitCode == 0, run.Stderr + string.Join("\n", hosts.Log));

            // Frames at steps 0, 10, 20, 30 and 40, on the host as the client wrote them.
            var id = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("jobId").GetString()!;
            var kept = File.ReadAllText(Path.Combine(workDir, id, "dump.lammpstrj"));
            Assert.Equal(5, kept.Split("ITEM: TIMESTEP").Length - 1);
            Assert.Equal(File.ReadAllText(dump), kept);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_job_that_kept_no_files_is_reported_with_exit_1()
    {
        using var hosts = new LocalHosts();
        await hosts.StartAsync(["--compute-threads", "1"]);
        var submit = await LocalHosts.RunCliAsync(["run", "train", "--steps", "2", "--cluster", hosts.Seed, "--detach"], s_limit);
        Assert.True(submit.ExitCode == 0, submit.Stderr);
        var id = submit.Stdout.Trim();
        var logs = await LocalHosts.RunCliAsync(["jobs", "logs", id, "--follow", "--cluster", hosts.Seed], s_limit);
        Assert.True(logs.ExitCode == 0, logs.Stderr);

        var target = Path.Combine(Path.GetTempPath(), "fetch-none-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var fetch = await LocalHosts.RunCliAsync(["jobs", "result", id, "--checkpoint-dir", target, "--cluster", hosts.Seed], s_limit);
            Assert.Equal(1, fetch.ExitCode);
            Assert.Contains($"no host keeps files of job {id}", fetch.Stderr);
        }
        finally
        {
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
        }
    }

    private static string[] Names(string folder) =>
        Directory.GetFileSystemEntries(folder).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();
}
