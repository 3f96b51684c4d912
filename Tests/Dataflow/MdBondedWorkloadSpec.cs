using System.Globalization;
using Dataflow.Kernels.Md;
using Dataflow.Md;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Dataflow;

/// <summary>Molecules on the domain actors: harmonic bonds and angles and special-bond scaling against LAMMPS' logs of
/// the same systems, and the same bits on one domain and on 2x2x2.</summary>
/// <remarks>Each bonded term is evaluated by the domain of each atom it owns, from the partners' nearest images among
/// its ghosts (<see cref="global::Dataflow.Kernels.Md.Domains.DomainBondedTerms"/>), so no force depends on the
/// decomposition; the thermo sums are exact.</remarks>
public sealed class MdBondedWorkloadSpec(ITestOutputHelper output)
{
    /// <summary>Kernels/Md/Reference/in.triatomic on the domains: 27 flexible triatomic molecules (7 across the periodic
    /// boundary, so on 2x2x2 domains many bonds join an owned atom and a ghost), bond and angle forces only (lj/cut with
    /// epsilon 0), 200 NVE steps of 0.5 fs, against lmp's log.triatomic (every column, E_bond and E_angle included).</summary>
    [Fact]
    public async Task Bonds_and_angles_on_1_and_8_domains_match_LAMMPS_with_the_same_bits()
    {
        var expected = ReadLog("log.triatomic", "Step Temp PotEng KinEng TotEng Press E_bond E_angle");
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var results = new List<MdResult>();
        foreach (var domains in new[] { "1x1x1", "2x2x2" })
        {
            var job = Job.Md().Data(MdReferenceData.File("triatomic.data")).Units("real").Pair("lj/cut", 5.0)
                .PairCoeff("1 1 0.0 1.0").PairCoeff("2 2 0.0 1.0").Timestep(0.5).Skin(2.0).RebuildEvery(10).Steps(200)
                .Thermo(20).Domains(domains).Build();
            var result = (await cluster.RunAsync(job)).As<MdResult>();
            var worst = Compare(expected, result, 1e-9);
            output.WriteLine($"{domains}: largest relative difference to LAMMPS {worst:E2} over {result.Thermo.Length} rows; {result.StateSha256}");
            results.Add(result);
        }
        // The forces did work: bond energy rose from 48.2 to 68.6 kcal/mol.
        Assert.True(results[0].Thermo[^1].Ebond > 60, $"E_bond {results[0].Thermo[^1].Ebond}");
        Assert.Equal(results[0].StateSha256, results[1].StateSha256);
        Assert.Equal(results[0].Thermo, results[1].Thermo);
    }

    /// <summary>Kernels/Md/Reference/in.triatomic-coul on the domains: the molecules with SPC/E charges and oxygen LJ,
    /// lj/cut/coul/long 5.0 with Ewald 1e-6 on the k-space actor, <c>special_bonds lj/coul 0.0 0.0 0.5</c> (the 1-2 and
    /// 1-3 pairs leave LJ and Coulomb: Ewald's exclusion correction), 100 NVE steps, against lmp's log.triatomic-coul.</summary>
    [Fact]
    public async Task Excluded_pairs_with_Ewald_on_1_and_8_domains_match_LAMMPS_with_the_same_bits()
    {
        var expected = ReadLog("log.triatomic-coul", "Step Temp PotEng KinEng TotEng Press E_bond E_angle").Take(6).ToList();
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var results = new List<MdResult>();
        foreach (var domains in new[] { "1x1x1", "2x2x2" })
        {
            var job = Job.Md().Data(MdReferenceData.File("triatomic-charged.data")).Units("real").Pair("lj/cut/coul/long", 5.0)
                .PairCoeff("1 1 0.1553 3.166").PairCoeff("2 2 0.0 1.0").KSpace("ewald", 1e-6)
                .SpecialBonds([0.0, 0.0, 0.5], [0.0, 0.0, 0.5]).Timestep(0.5).Skin(2.0).RebuildEvery(10).Steps(100).Thermo(20)
                .Domains(domains).Build();
            var result = (await cluster.RunAsync(job)).As<MdResult>();
            var worst = Compare(expected, result, 1e-6);
            output.WriteLine($"{domains}: largest relative difference to LAMMPS {worst:E2} over {result.Thermo.Length} rows; {result.StateSha256}");
            results.Add(result);
        }
        Assert.Equal(results[0].StateSha256, results[1].StateSha256);
        Assert.Equal(results[0].Thermo, results[1].Thermo);
    }

    /// <summary>Without the special-bond weights the same system is another one: LAMMPS' default (0 0 0) also removes the
    /// 1-4 pairs (none in a triatomic) but with all weights 1 the intramolecular Coulomb pairs stay and the energy moves by
    /// far more than the tolerance, so the comparison above sees the exclusions.</summary>
    [Fact]
    public async Task Special_weights_change_the_energy_on_the_domains()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        MdJobBuilder Job0() => Job.Md().Data(MdReferenceData.File("triatomic-charged.data")).Units("real").Pair("lj/cut/coul/long", 5.0)
            .PairCoeff("1 1 0.1553 3.166").PairCoeff("2 2 0.0 1.0").KSpace("ewald", 1e-6).Timestep(0.5).Skin(2.0).RebuildEvery(10)
            .Steps(0).Thermo(20).Domains("2x2x2");
        var excluded = (await cluster.RunAsync(Job0().Build())).As<MdResult>();
        var kept = (await cluster.RunAsync(Job0().SpecialBonds([1.0, 1.0, 1.0], [1.0, 1.0, 1.0]).Build())).As<MdResult>();
        var expected = ReadLog("log.triatomic-coul", "Step Temp PotEng KinEng TotEng Press E_bond E_angle")[0];
        Assert.True(Math.Abs(excluded.Thermo[0].Pe - expected[2]) <= 1e-6 * Math.Abs(expected[2]), $"{excluded.Thermo[0].Pe} vs {expected[2]}");
        Assert.True(Math.Abs(kept.Thermo[0].Pe - expected[2]) > 100, $"with weights 1: {kept.Thermo[0].Pe} vs {expected[2]}");
    }

    private static double Compare(IReadOnlyList<double[]> expected, MdResult result, double tolerance)
    {
        Assert.Equal(expected.Count, result.Thermo.Length);
        var worst = 0.0;
        for (var k = 0; k < expected.Count; k++)
        {
            var t = result.Thermo[k];
            var e = expected[k];
            Assert.Equal((long)e[0], t.Step);
            double[] actual = [t.Temp, t.Pe, t.Ke, t.Etotal, t.Press, t.Ebond, t.Eangle];
            for (var c = 0; c < actual.Length; c++)
            {
                var relative = Math.Abs(actual[c] - e[c + 1]) / Math.Abs(e[c + 1]);
                worst = Math.Max(worst, relative);
                Assert.True(relative <= tolerance, $"{result.Domains} step {t.Step} column {c + 1}: {actual[c]:R} vs LAMMPS {e[c + 1]:R}");
            }
        }
        return worst;
    }

    // The thermo block after a header starting with `header`: its rows' first eight columns.
    internal static List<double[]> ReadLog(string log, string header)
    {
        var rows = new List<double[]>();
        var inBlock = false;
        foreach (var line in File.ReadLines(MdReferenceData.File(log)))
        {
            if (line.StartsWith(header, StringComparison.Ordinal))
            {
                inBlock = true;
                continue;
            }
            if (!inBlock)
            {
                continue;
            }
            if (line.StartsWith("Loop time", StringComparison.Ordinal))
            {
                break;
            }
            rows.Add(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(8)
                .Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray());
        }
        Assert.NotEmpty(rows);
        return rows;
    }
}
