using Dataflow.Fci;
using Dataflow.Host;
using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Dataflow;

/// <summary><c>fci</c> as a job: through the runtime, against the Psi4 FCI energies bundled with the data.</summary>
public sealed class FciWorkloadSpec
{
    [Fact]
    public async Task Embedded_fci_jobs_reproduce_Psi4_for_the_bundled_molecules()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        foreach (var name in new[] { "h2", "lih", "h2o", "n2" })
        {
            var reference = BundledMolecules.Reference(name);
            var job = Job.Fci().Fcidump(BundledMolecules.Path(name)).Reference(reference.FciEnergyHartree).Build();
            var result = (await cluster.RunAsync(job)).As<FciResult>();
            // Reference: Psi4 1.3.2 energy('fci') on the same orbitals (Kernels/Quantum/Data/molecules.json), converged
            // to 1e-12 Ha; the README states 1e-12 Ha.
            Assert.True(Math.Abs(result.Energy - reference.FciEnergyHartree) <= 1e-12,
                $"{name}: {result.Energy - reference.FciEnergyHartree:E2} Ha from Psi4");
            Assert.Equal(result.Energy - reference.FciEnergyHartree, result.Error!.Value, 1e-15);
            Assert.Equal("fci", result.Workload);
        }
    }

    [Fact]
    public async Task Roots_travel_to_the_result_with_their_spin_and_symmetry()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var job = Job.Fci().Fcidump(BundledMolecules.Path("lih")).Roots(3).Build();
        var result = (await cluster.RunAsync(job)).As<FciResult>();
        Assert.Equal(3, result.Roots.Length);
        Assert.Equal(result.Energy, result.Roots[0].Energy);
        Assert.Equal(BundledMolecules.Reference("lih").FciEnergyHartree, result.Energy, 1e-10);
        Assert.Equal(result.Roots.Select(r => r.Energy).Order(), result.Roots.Select(r => r.Energy));
        Assert.All(result.Roots, r => Assert.InRange(r.Irrep, 1, 8));
        Assert.Equal(0.0, result.Roots[0].S2, 1e-8);
        Assert.Equal(225, result.Determinants);
        Assert.True(result.PeakMemoryBytes > 0);
        Assert.Equal(3, result.Inputs.Roots);
    }

    [Fact]
    public async Task A_space_too_large_for_the_memory_is_refused_with_its_size_before_any_work()
    {
        // 30 orbitals and 20 electrons: C(30, 10)^2 = 9.0e14 determinants; only the header and a few integrals are needed.
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, " &FCI NORB=30,NELEC=20,MS2=0,\n &END\n 0.5 1 1 1 1\n -1.0 1 1 0 0\n 0.0 0 0 0 0\n");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var refusal = Assert.Throws<ArgumentException>(() => Job.Fci().Fcidump(path).MaxMemory(1L << 30).Build());
            var inProcess = clock.Elapsed;
            Assert.Contains("902,702,926,350,225 determinants", refusal.Message);
            Assert.Contains("GB", refusal.Message);
            Assert.Contains("1.07 GB allowed", refusal.Message);

            var run = await LocalHosts.RunCliAsync(["run", "fci", "--fcidump", path, "--max-memory", "1G"], TimeSpan.FromSeconds(60));
            Console.WriteLine($"refused in {inProcess.TotalMilliseconds:F0} ms in process; CLI: {run.Stderr.Trim()}");
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("902,702,926,350,225 determinants", run.Stderr);
            Assert.Contains("--max-memory", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_malformed_fcidump_is_refused_naming_the_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, " &FCI NORB=2,NELEC=2,MS2=0,\n ORBSYM=1,1,\n ISYM=1,\n &END\n 0.5 1 1 1 1\n 0.2 9 1 1 1\n");
            var run = await LocalHosts.RunCliAsync(["run", "fci", "--fcidump", path], TimeSpan.FromSeconds(60));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{path}:6:", run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
