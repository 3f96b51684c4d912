using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dataflow.Actors.Md;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Analysis;
using Dataflow.Kernels.Md.Script;
using Dataflow.Md;

namespace Dataflow.Host;

/// <summary><c>dataflow md SCRIPT</c> and <c>dataflow run md --in SCRIPT</c>: a LAMMPS input script, each <c>run</c>
/// on the domain actors, thermo printed as LAMMPS prints it while the run goes.</summary>
/// <remarks>The whole script is first run dry (every command but <c>run</c> and file writes): a bad line is one
/// error naming the file, line and command, exit code 2, before any work. Each <c>run</c> is then one md job started
/// from the atoms the previous one ended with (sent back as a data file, full precision).</remarks>
internal static class MdScriptCommand
{
    public const string UsageText = """
        usage: dataflow md SCRIPT [-var NAME VALUE]... [-log FILE] [--domains PXxPYxPZ] [--threads N]
                                  [--cluster HOST:PORT] [--json FILE] [--quiet]
               dataflow run md --in SCRIPT [same options]

        Runs a LAMMPS input script as 'lmp -in SCRIPT' does, every 'run' on spatial-domain actors. Thermo output is
        printed as the run goes, with LAMMPS' column names and formats. Commands: variable (index, string, equal),
        units, atom_style, boundary p p p, lattice, region block, create_box, create_atoms, mass, set, velocity
        (create with LAMMPS' random streams: the same seed gives LAMMPS' velocities), read_data, pair_style lj/cut
        and lj/cut/coul/long, pair_coeff, pair_modify, kspace_style ewald|pppm, kspace_modify gewald, bond_style and
        angle_style harmonic, bond_coeff, angle_coeff, special_bonds, neighbor, neigh_modify, timestep, fix nve|nvt|langevin, unfix, thermo, thermo_style one|custom, thermo_modify,
        dump atom|custom, write_data, reset_timestep, run, print. Any other command is an error naming its line, before anything runs.

          -var NAME VALUE      define an index variable before the script runs (repeatable; also --var)
          -log FILE            write a LAMMPS-style log: the commands, thermo output and loop times (also --log)
          --domains PXxPYxPZ   domain grid of every run (default 1x1x1)
          --threads N          threads per domain's pair loop (default: processors / domains on the node)
          --json FILE          every thermo row of every run, with the runs' timings, as JSON

        example: dataflow md in.melt -var x 2 -log log.melt --domains 2x2x1
        """;

    private static readonly string[] s_valued = [.. Program.ClusterOptions, "json", "domains", "threads"];

    /// <summary>Runs the script named by <paramref name="args"/> (positional, or <c>--in</c>/<c>-in</c>).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        string? script = null;
        string? log = null;
        var variables = new List<KeyValuePair<string, string>>();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            switch (a)
            {
                case "-in" or "--in" or "-i":
                    script = Value(args, ref i, a);
                    break;
                case "-var" or "--var" or "-v":
                    var name = Value(args, ref i, a);
                    variables.Add(new(name, Value(args, ref i, a)));
                    break;
                case "-log" or "--log" or "-l":
                    log = Value(args, ref i, a);
                    break;
                case "-nocite" or "-nc":
                    break;
                default:
                    if (!a.StartsWith('-') && script is null)
                    {
                        script = a;
                    }
                    else
                    {
                        rest.Add(a);
                    }
                    break;
            }
        }
        var o = new ParsedOptions(rest, s_valued, ["quiet"], UsageText);
        if (o.Help)
        {
            Console.Out.WriteLine(UsageText);
            return 0;
        }
        if (script is null)
        {
            throw new UsageException("md needs a script: dataflow md SCRIPT (or run md --in SCRIPT)", UsageText);
        }
        if (!File.Exists(script))
        {
            throw new UsageException($"{script}: no such script");
        }
        var text = await File.ReadAllTextAsync(script);
        var name0 = Path.GetFileName(script);
        var directory = Path.GetDirectoryName(Path.GetFullPath(script)) ?? ".";
        var domains = o.String("domains") ?? "1x1x1";
        var threads = o.Int("threads", 0);

        // The dry pass: every line checked, every run's job set up, before any work.
        var dry = new ScriptInterpreter(text, name0, directory, variables, dry: true);
        try
        {
            foreach (var run in dry.Execute())
            {
                Check(run, domains, threads);
                run.Complete(run.System);
            }
        }
        catch (LammpsScriptException e)
        {
            throw new UsageException(e.Message);
        }
        if (o.String("json") is { } json and not "-")
        {
            new OutputPath("json", json, CreatesDirectories: true).Check();
        }
        if (log is not null)
        {
            new OutputPath("log", log).Check();
        }

        var screen = o.String("json") == "-" ? Console.Error : Console.Out;
        using var logFile = log is null ? null : new StreamWriter(log, false, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        void Both(string line)
        {
            screen.WriteLine(line);
            logFile?.WriteLine(line);
        }
        Both($"Dataflow md {DataflowVersion.Current}: LAMMPS input script {name0}");
        var interpreter = new ScriptInterpreter(text, name0, directory, variables, dry: false) { Echo = line => logFile?.WriteLine(line) };
        var thermoJson = new JsonArray();
        var runsJson = new JsonArray();
        var openedDumps = new HashSet<string>(StringComparer.Ordinal);
        var aveFixes = new Dictionary<int, TimeAveragedRdf>();
        var firstStepEver = -1L;
        using var signals = new RunSignals();
        try
        {
            await using var cluster = await Program.OpenClusterAsync(o, notice: o.Flag("quiet") ? null : m => Console.Error.WriteLine(m),
                cancellationToken: signals.Token);
            signals.RegisterAgain();
            var runIndex = 0;
            (int Fix, double[]? State) lastChain = (0, null);
            foreach (var run in interpreter.Execute())
            {
                if (firstStepEver < 0)
                {
                    firstStepEver = run.FirstStep;
                }
                // LAMMPS' fix nvt keeps its chain from run to run while the fix stands.
                var chain = run.Integrator == "nvt" && run.IntegratorFix == lastChain.Fix ? lastChain.State : null;
                var spec = Spec(run, domains, threads, chain);
                // fix ave/time of compute rdf: the client computes g(r) from snapshots the domains send on the sample steps.
                var averages = run.AveTimes.Select(f => aveFixes.TryGetValue(f.Serial, out var fix) ? fix : aveFixes[f.Serial] = new TimeAveragedRdf(f.Settings))
                    .ToArray();
                foreach (var fix in averages)
                {
                    fix.BeginRun(run.FirstStep);
                }
                if (averages.Length > 0)
                {
                    var every = averages.Aggregate(run.Dump?.Every ?? 0, (g, f) => Gcd(g, f.Settings.Every));
                    spec = spec with { DumpEvery = run.FirstStep % every == 0 ? every : 1 };
                }
                var analysis = averages.Length > 0 ? new SnapshotAnalysis(run, averages) : null;
                var units = UnitSystem.Parse(run.Units);
                var context = interpreter.ContextOf(run, firstStepEver);
                var atoms = run.System.AtomCount;
                Both(run.Thermo.Header());
                var printed = new HashSet<long>();
                var index = runIndex;
                void Row(ThermoSample sample)
                {
                    var absolute = sample with { Step = sample.Step + run.FirstStep };
                    if (!printed.Add(absolute.Step))
                    {
                        return;
                    }
                    var values = run.Thermo.Values(ThermoTotals.From(absolute, atoms), context);
                    Both(run.Thermo.Line(values));
                    var row = new JsonObject
                    {
                        ["run"] = index,
                        ["step"] = absolute.Step,
                        ["temp"] = absolute.Temperature,
                        ["pe"] = absolute.PotentialEnergy,
                        ["ke"] = absolute.KineticEnergy,
                        ["etotal"] = absolute.TotalEnergy,
                        ["press"] = absolute.Pressure,
                    };
                    for (var k = 0; k < run.Thermo.Keywords.Count; k++)
                    {
                        row[run.Thermo.Keywords[k]] = ThermoSettings.IsInteger(run.Thermo.Keywords[k]) ? (long)values[k] : values[k];
                    }
                    thermoJson.Add(row);
                }
                var progress = new RunCommand.SynchronousProgress<JobProgress>(p =>
                {
                    if (p.Metrics.TryGetValue("temp", out var temp) && p.Metrics.TryGetValue("step", out var step))
                    {
                        Row(new ThermoSample((long)step, temp, p.Metrics["pe"], p.Metrics["ke"], p.Metrics["etotal"], p.Metrics["press"],
                            units.NormalizesThermoByDefault, p.Metrics.GetValueOrDefault("ebond"), p.Metrics.GetValueOrDefault("eangle"),
                            p.Metrics.GetValueOrDefault("ecoul"), p.Metrics.GetValueOrDefault("elong")));
                    }
                });
                string? final = null;
                string? thermostat = null;
                var dump = run.Dump;
                if (dump is not null && openedDumps.Add(dump.Id + "\0" + dump.Path))
                {
                    File.WriteAllText(dump.Path, "");
                }
                void Output(JobOutput output)
                {
                    if (output.Stream == MdDriver.FinalStateStream)
                    {
                        final = (final ?? "") + Encoding.UTF8.GetString(output.Data);
                    }
                    else if (output.Stream == MdDriver.ThermostatStream)
                    {
                        thermostat = (thermostat ?? "") + Encoding.UTF8.GetString(output.Data);
                    }
                    else if (output.Stream == "dump" && analysis is not null)
                    {
                        foreach (var (step, frame) in SnapshotAnalysis.Frames(Encoding.UTF8.GetString(output.Data)))
                        {
                            analysis.Add(step, frame);
                            if (dump is not null && step % dump.Every == 0)
                            {
                                File.AppendAllText(dump.Path, DumpFrameRewriter.Rewrite(frame, run.FirstStep, dump.Style == "atom"));
                            }
                        }
                    }
                    else if (output.Stream == "dump" && dump is not null)
                    {
                        var frames = DumpFrameRewriter.Rewrite(Encoding.UTF8.GetString(output.Data), run.FirstStep, dump.Style == "atom");
                        File.AppendAllText(dump.Path, frames);
                    }
                }
                var clock = Stopwatch.StartNew();
                var result = await cluster.RunAsync(new MdJob(spec), progress, Output, signals.Token);
                var seconds = clock.Elapsed.TotalSeconds;
                var md = result.As<MdResult>();
                foreach (var t in md.Thermo)
                {
                    Row(t.ToSample(units.NormalizesThermoByDefault));
                }
                Both(string.Create(CultureInfo.InvariantCulture,
                    $"Loop time of {CFormat.G(seconds, 6)} on {md.Domains} domains ({md.Nodes} node(s)) for {run.Steps} steps with {atoms} atoms"));
                Both("");
                if (final is null)
                {
                    throw new InvalidOperationException($"{run.Line.FileName}:{run.Line.Line}: the run sent back no final state");
                }
                run.Complete(FinalSystem(run, final));
                lastChain = thermostat is null
                    ? (0, null)
                    : (run.IntegratorFix, thermostat.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                        .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray());
                runsJson.Add(new JsonObject
                {
                    ["line"] = run.Line.Line,
                    ["firstStep"] = run.FirstStep,
                    ["steps"] = run.Steps,
                    ["atoms"] = atoms,
                    ["domains"] = md.Domains,
                    ["nodes"] = md.Nodes,
                    ["seconds"] = Math.Round(seconds, 3),
                    ["atomStepsPerSecond"] = md.AtomStepsPerSecond,
                    ["stateSha256"] = md.StateSha256,
                    ["columns"] = new JsonArray(run.Thermo.Keywords.Select(k => (JsonNode)ThermoSettings.Columns[k]).ToArray()),
                });
                runIndex++;
            }
        }
        catch (LammpsScriptException e)
        {
            // Only a file the dry pass could not see fails here (e.g. write_data into a directory removed meanwhile).
            throw new UsageException(e.Message);
        }
        // The coordinator may report the job failed ("cancelled") before the client's own cancellation completes:
        // after a signal, either way is the interruption.
        catch (Exception e) when (e is OperationCanceledException or global::Dataflow.DataflowJobException && signals.ExitCode is { } code)
        {
            throw new RunInterruptedException(signals.SignalName!, code);
        }
        Both($"Total steps {interpreter.Step}");
        if (o.String("json") is { } jsonPath)
        {
            var document = new JsonObject
            {
                ["workload"] = MdWorkload.Verb,
                ["script"] = name0,
                ["scriptSha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text))),
                ["variables"] = new JsonObject(variables.Select(v => new KeyValuePair<string, JsonNode?>(v.Key, v.Value))),
                ["runs"] = runsJson,
                ["thermo"] = thermoJson,
            };
            var body = document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            if (jsonPath == "-")
            {
                Console.Out.WriteLine(body);
            }
            else
            {
                Program.WriteAtomically(jsonPath, body + Environment.NewLine);
            }
        }
        return 0;
    }

    /// <summary>The atoms a run ended with: its data file, with the charges, molecules and bonds an uncharged pair style
    /// or the atoms' data file did not carry taken back from the start (they do not change during a run).</summary>
    private static MdSystem FinalSystem(ScriptRun run, string data)
    {
        var final = LammpsDataReader.ReadText(data, $"{run.Line.FileName}:{run.Line.Line} final state");
        var start = run.System;
        if ((start.Charges is null || final.Charges is not null) && start.MoleculeIds is null && start.Topology is null)
        {
            return final;
        }
        var byId = new Dictionary<int, int>(start.AtomCount);
        for (var i = 0; i < start.AtomCount; i++)
        {
            byId[start.Ids[i]] = i;
        }
        var charges = final.Charges ?? (start.Charges is { } q ? final.Ids.Select(id => q[byId[id]]).ToArray() : null);
        var molecules = start.MoleculeIds is { } m ? final.Ids.Select(id => m[byId[id]]).ToArray() : null;
        return new MdSystem(final.Box, final.TypeCount, final.Ids, final.Types, final.Positions, final.Velocities, final.Images,
            final.Masses, charges, molecules, start.Style)
        { Title = final.Title, PairCoefficients = final.PairCoefficients, Topology = start.Topology };
    }

    private static string Value(string[] args, ref int i, string option)
    {
        if (i + 1 >= args.Length)
        {
            throw new UsageException($"{option} needs a value", UsageText);
        }
        return args[++i];
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    /// <summary>The md job of a script's run.</summary>
    internal static MdJobSpec Spec(ScriptRun run, string domains, int threads, double[]? nvtChain)
    {
        using var data = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        LammpsDataWriter.Write(data, run.System);
        return new MdJobSpec(
            data.ToString(),
            $"{run.Line.FileName}:{run.Line.Line}",
            run.Units,
            run.PairStyle,
            run.PairArguments,
            run.PairCoefficients,
            run.Mixing,
            run.Shift,
            run.KSpace,
            run.KSpace == "none" ? 1e-5 : run.KSpaceAccuracy,
            run.Timestep,
            run.Skin,
            run.RebuildEvery,
            run.Steps,
            run.Thermo.Every,
            domains,
            ThreadsPerDomain: threads,
            DumpEvery: run.Dump?.Every ?? 0,
            Langevin: run.Langevin,
            SendFinalState: true,
            LammpsGEwald: true,
            Nvt: run.Integrator == "nvt" ? run.Nvt : null,
            GEwald: run.GEwald,
            NvtChain: run.Integrator == "nvt" ? nvtChain : null,
            SpecialLj: run.SpecialLj,
            SpecialCoul: run.SpecialCoul,
            Shake: run.Shake);
    }

    /// <summary>Throws a <see cref="LammpsScriptException"/> at the run's line for what the domains cannot run.</summary>
    private static void Check(ScriptRun run, string domains, int threads)
    {
        LammpsScriptException Error(string problem) => new(run.Line.FileName, run.Line.Line, "run", problem);
        try
        {
            _ = new MdSetup(Spec(run, domains, threads, null));
        }
        catch (ArgumentException e)
        {
            throw Error(e.Message);
        }
    }
}
