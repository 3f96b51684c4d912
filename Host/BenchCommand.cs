using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Serialization;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Train;

namespace Dataflow.Host;

/// <summary><c>dataflow bench</c>: measurements printed side by side, each against a baseline from the same run.</summary>
/// <remarks>The runtime's own sections come first, then each workload's (<see cref="WorkloadCommand.BenchSections"/>).</remarks>
internal static class BenchCommand
{
    private static IReadOnlyList<BenchSection> Sections =>
    [
        .. WorkloadCommands.Find("train")?.BenchSections ?? [],
        new("serialization", "MessagePack vs Akka's default serializer on a 1M-float gradient message", (w, _) =>
        {
            Serialization(w);
            return Task.CompletedTask;
        }),
        new("kernels", "an ILGPU kernel by direct CPU dispatch and on ILGPU's CPU accelerator vs a plain loop", (w, _) =>
        {
            w.WriteLine("== ILGPU kernel backends");
            ComputeBenchmark.Run(w);
            w.WriteLine();
            return Task.CompletedTask;
        }),
        .. WorkloadCommands.All.Where(c => c.Verb != "train").SelectMany(c => c.BenchSections),
    ];

    private static string Usage => $"""
        usage: dataflow bench [--only {string.Join("|", Sections.Select(s => s.Name))}] [--steps S]
                              [--molecules h2,lih,h2o,n2]

        Prints, measured in one run:
        {string.Join(Environment.NewLine, Sections.Select(s => $"  {s.Name,-14} {s.Description}"))}
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new ParsedOptions(args, ["only", "steps", "molecules"], [], Usage);
        if (o.Help)
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        var only = o.String("only");
        if (only is not null && Sections.All(s => s.Name != only))
        {
            throw new UsageException($"--only {only}: no such section", Usage);
        }
        foreach (var section in Sections.Where(s => only is null || s.Name == only))
        {
            await section.Run(Console.Out, o);
        }
        return 0;
    }

    private static void Serialization(TextWriter w)
    {
        w.WriteLine("== serialization of a 1M-float gradient message");
        using var system = ActorSystem.Create("bench", DataflowNode.LoadConfig(new NodeOptions()));
        var state = LogicalWorkerState.Initial(new TrainSettings(TrainModelKind.Mlp, 4, 1), 0);
        var gradient = Enumerable.Range(0, 1_000_000).Select(i => (float)Math.Sin(i)).ToArray();
        var message = new TrainGradients("job", 1, 7, "127.0.0.1:4053", [new WorkerGradient(0, gradient, 0.5, 64, state)], 0.01);
        var msgpack = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(message);
        var manifest = msgpack.Manifest(message);
        var akkaDefault = system.Serialization.FindSerializerForType(typeof(object));

        var (mpBytes, mpRate) = RoundTrips(() => msgpack.ToBinary(message), b => msgpack.FromBinary(b, manifest));
        var (defBytes, defRate) = RoundTrips(() => akkaDefault.ToBinary(message), b => akkaDefault.FromBinary(b, typeof(TrainGradients)));
        w.WriteLine(Invariant($"  MessagePack (id {msgpack.Identifier})        {mpBytes,12:N0} bytes  {mpRate,8:F1} round trips/s"));
        w.WriteLine(Invariant($"  Akka default ({akkaDefault.GetType().Name}) {defBytes,12:N0} bytes  {defRate,8:F2} round trips/s"));
        w.WriteLine(Invariant($"  ratio                          {(double)defBytes / mpBytes,12:F2} x smaller  {mpRate / defRate,8:F1} x faster"));
        w.WriteLine();
    }

    private static (long Bytes, double PerSecond) RoundTrips(Func<byte[]> serialize, Func<byte[], object> deserialize)
    {
        var bytes = serialize();
        deserialize(bytes);
        var n = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(2) || n < 3)
        {
            deserialize(serialize());
            n++;
        }
        return (bytes.Length, n / sw.Elapsed.TotalSeconds);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
