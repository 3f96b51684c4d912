using System.Diagnostics;
using System.Globalization;
using Dataflow.Kernels.Quantum;

namespace Dataflow.Host.Bench;

/// <summary>The <c>fci</c> section of <c>dataflow bench</c>: full CI of the bundled molecules against Psi4, and the
/// direct solver's wall time and peak memory on H2O / 6-31G and N2 / 6-31G (core frozen) beside Psi4's detci run in
/// the same section when <c>psi4</c> is installed.</summary>
internal static class FciBench
{
    public static async Task RunAsync(TextWriter w)
    {
        w.WriteLine("== full CI of the bundled STO-3G molecules and C2 (embedded cluster, direct CI), against Psi4");
        await using (var cluster = await DataflowCluster.StartEmbeddedAsync())
        {
            foreach (var name in BundledMolecules.Names)
            {
                var reference = BundledMolecules.Reference(name);
                var job = Job.Fci().Fcidump(BundledMolecules.Path(name)).Reference(reference.FciEnergyHartree).Build();
                var sw = Stopwatch.StartNew();
                var r = (await cluster.RunAsync(job)).As<Fci.FciResult>();
                w.WriteLine(Invariant($"  {name,-9} {r.Determinants,9} determinants  E {r.Energy,18:F10} Ha  Psi4 diff {r.Error,9:E1} Ha  {sw.Elapsed.TotalSeconds,7:F2} s"));
            }
            var c2 = ReferenceMolecules.Find("c2");
            var c2Job = Job.Fci().Fcidump(ReferenceMolecules.Path("c2")).Reference(c2.Fci(0)).Build();
            var clock = Stopwatch.StartNew();
            var c2Result = (await cluster.RunAsync(c2Job)).As<Fci.FciResult>();
            w.WriteLine(Invariant($"  {"c2",-9} {c2Result.Determinants,9} determinants  E {c2Result.Energy,18:F10} Ha  Psi4 diff {c2Result.Error,9:E1} Ha  {clock.Elapsed.TotalSeconds,7:F2} s"));
        }
        w.WriteLine();

        w.WriteLine("== direct CI of the totally symmetric block, even S (--irrep 1 --spin 0; this process, all cores) against Psi4 1.3.2 detci (psi4 -n 2, RHF, symmetry on, Ms0), same molecule, same run");
        w.WriteLine("  molecule              determinants  E / Ha              Psi4 diff   seconds  peak GB   detci s  detci GB  time ratio");
        var psi4 = Psi4Path();
        foreach (var (name, frozen) in new[] { ("h2o-631g", 0), ("n2-631g", 2) })
        {
            var molecule = ReferenceMolecules.Find(name);
            var fcidump = FcidumpReader.Read(ReferenceMolecules.Path(name));
            // The totally symmetric block's singlets (even S: spin-flip symmetric vectors), the ground state's, as detci
            // solves the reference's irrep with Ms0 symmetry for a closed-shell RHF reference.
            // Converged as detci is told below: energy change 1e-10 Ha and residual norm 1e-4 (detci's r_convergence
            // default for energies); the energy's difference to Psi4's FCI is printed beside it.
            var options = new DirectFullCiOptions
            {
                FrozenCore = frozen,
                Irrep = 1,
                Spin = 0,
                Davidson = new DavidsonOptions { EnergyToleranceHartree = 1e-10, ResidualTolerance = 1e-4 },
            };
            var size = DirectFullCi.Estimate(fcidump, options);
            var label = frozen > 0 ? $"{name} (fc {frozen})" : name;
            var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            if (size.MemoryBytes > available)
            {
                w.WriteLine(Invariant($"  {label,-20} {size.Determinants,13:N0}  needs about {size.MemoryBytes / 1e9:F1} GB, more than the {available / 1e9:F1} GB here: skipped"));
                continue;
            }
            var result = DirectFullCi.Solve(fcidump, options);
            var seconds = result.Elapsed.TotalSeconds;
            var line = Invariant($"  {label,-20} {result.Determinants,13:N0}  {result.Roots[0].EnergyHartree,18:F10}  {result.Roots[0].EnergyHartree - molecule.Fci(frozen),9:E1}  {seconds,8:F1}  {result.PeakMemoryBytes / 1e9,7:F2}");
            if (psi4 is null)
            {
                w.WriteLine(line + "   (psi4 not installed: apt-get install psi4)");
                continue;
            }
            var (detciSeconds, detciBytes, detciEnergy) = await RunDetciAsync(psi4, molecule, frozen);
            w.WriteLine(line + Invariant($"  {detciSeconds,8:F1}  {detciBytes / 1e9,8:F2}  {seconds / detciSeconds,10:F2}x  (detci E diff {detciEnergy - result.Roots[0].EnergyHartree:E1})"));
        }
        w.WriteLine();
    }

    private static string? Psi4Path() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "psi4")).FirstOrDefault(File.Exists);

    /// <summary>Psi4's RHF + detci FCI of <paramref name="molecule"/> (the settings of make_fcidumps_more.in): wall time,
    /// peak resident memory (VmHWM, polled) and the FCI energy it prints.</summary>
    private static async Task<(double Seconds, long PeakBytes, double Energy)> RunDetciAsync(string psi4, ReferenceMolecule molecule, int frozen)
    {
        var directory = Directory.CreateTempSubdirectory("dataflow-detci-");
        try
        {
            var input = Path.Combine(directory.FullName, "fci.in");
            await File.WriteAllTextAsync(input, Invariant($$"""
                molecule {
                {{molecule.ZmatrixAngstrom}}
                }
                set {
                    basis {{molecule.Basis.ToLowerInvariant()}}
                    reference rhf
                    scf_type pk
                    guess sad
                    num_frozen_docc {{frozen}}
                    num_frozen_uocc 0
                    e_convergence 1e-10
                    d_convergence 1e-8
                }
                e = energy('fci')
                print("FCIENERGY %.12f" % e)
                """));
            var start = new ProcessStartInfo(psi4, ["-n", "2", "fci.in", "fci.out"])
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("psi4 did not start");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var peak = 0L;
            while (!process.HasExited)
            {
                peak = Math.Max(peak, HighWaterMark(process.Id));
                await Task.Delay(50);
            }
            await process.WaitForExitAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            var text = await stdout + await stderr;
            var energyLine = text.Split('\n').FirstOrDefault(l => l.StartsWith("FCIENERGY", StringComparison.Ordinal));
            var energy = energyLine is null ? double.NaN : double.Parse(energyLine["FCIENERGY".Length..], CultureInfo.InvariantCulture);
            return (seconds, peak, energy);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>VmHWM of a process from /proc, bytes; 0 once it is gone.</summary>
    private static long HighWaterMark(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
