using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow run nqs</c> embedded and across three host processes.</summary>
public sealed class NqsProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(4);

    private static readonly string[] s_job = ["run", "nqs", "--fcidump", "lih", "--iterations", "25", "--samplers", "4", "--evaluators", "3"];

    [Fact]
    public async Task Same_seed_gives_identical_energy_histories_embedded_and_on_three_hosts()
    {
        var dir = Directory.CreateTempSubdirectory("dataflow-nqs-");
        try
        {
            var embeddedJson = Path.Combine(dir.FullName, "embedded.json");
            var embedded = await LocalHosts.RunCliAsync([.. s_job, "--json", embeddedJson], s_runLimit);
            Assert.True(embedded.ExitCode == 0, embedded.Stderr);
            Assert.Contains("reference", embedded.Stdout);

            using var hosts = new LocalHosts();
            for (var i = 0; i < 3; i++)
            {
                await hosts.StartAsync();
            }
            var clusterJson = Path.Combine(dir.FullName, "cluster.json");
            var run = await LocalHosts.RunCliAsync([.. s_job, "--cluster", hosts.Seed, "--json", clusterJson], s_runLimit, output.WriteLine);
            Assert.True(run.ExitCode == 0, run.Stderr);

            var a = JsonDocument.Parse(File.ReadAllText(embeddedJson)).RootElement;
            var b = JsonDocument.Parse(File.ReadAllText(clusterJson)).RootElement;
            var energiesA = a.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("energy").GetDouble()).ToArray();
            var energiesB = b.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("energy").GetDouble()).ToArray();
            Assert.Equal(25, energiesA.Length);
            Assert.Equal(energiesA, energiesB);
            Assert.Equal(a.GetProperty("energy").GetDouble(), b.GetProperty("energy").GetDouble());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_malformed_fcidump_is_refused_naming_the_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, " &FCI NORB=2,NELEC=2,MS2=0,\n ORBSYM=1,1,\n ISYM=1,\n &END\n 0.5 1 1 1 1\n 0.2 x 1 1 1\n");
            var run = await LocalHosts.RunCliAsync(["run", "nqs", "--fcidump", path], TimeSpan.FromSeconds(60));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{path}:6:", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
