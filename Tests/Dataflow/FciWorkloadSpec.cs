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
