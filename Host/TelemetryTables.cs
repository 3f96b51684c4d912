using Dataflow.Actors.Runtime.Telemetry;

namespace Dataflow.Host;

/// <summary>Per-stage and per-node telemetry as text tables, for <c>dataflow status</c>.</summary>
internal static class TelemetryTables
{
    public static void Write(TextWriter w, IReadOnlyList<NodeTelemetry> nodes)
    {
        w.WriteLine();
        w.WriteLine($"{"NODE",-22}{"MANAGED MB",12}{"NATIVE MB",12}");
        foreach (var n in nodes.OrderBy(n => n.Node.Node, StringComparer.Ordinal))
        {
            w.WriteLine($"{n.Node.Node,-22}{n.Node.ManagedBytes / 1e6,12:F1}{n.Node.NativeBytes / 1e6,12:F1}");
        }
        var stages = nodes.SelectMany(n => n.Stages).OrderBy(s => s.Job, StringComparer.Ordinal)
            .ThenBy(s => s.Stage, StringComparer.Ordinal).ThenBy(s => s.Node, StringComparer.Ordinal).ToArray();
        w.WriteLine();
        if (stages.Length == 0)
        {
            w.WriteLine("no stage telemetry");
            return;
        }
        w.WriteLine($"{"JOB",-32}{"STAGE",-11}{"WORKER",-13}{"NODE",-18}{"MSGS",8}{"BUSY s",9}{"MAILBOX",8}{"ITEMS/s",9}{"IN MB",9}{"OUT MB",9}");
        foreach (var s in stages)
        {
            w.WriteLine($"{Trim(s.Job, 31),-32}{Trim(s.Stage, 10),-11}{Trim(s.Worker, 12),-13}{s.Node,-18}{s.Messages,8}{s.BusySeconds,9:F2}{s.MailboxDepth,8}" +
                $"{s.ItemsPerSecond,9:F1}{s.BytesIn / 1e6,9:F2}{s.BytesOut / 1e6,9:F2}");
        }
    }

    private static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "~";
}
