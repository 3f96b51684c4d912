namespace Dataflow.Host;

/// <summary>Per-node and per-stage telemetry as text tables, for <c>dataflow status</c>; units in the headers.</summary>
internal static class TelemetryTables
{
    public static void Write(TextWriter w, IReadOnlyList<StatusNode> nodes)
    {
        w.WriteLine();
        w.WriteLine($"{"NODE",-22}{"MANAGED MB",12}{"NATIVE MB",12}");
        foreach (var n in nodes)
        {
            w.WriteLine($"{n.Node,-22}{n.ManagedBytes / 1e6,12:F1}{n.NativeBytes / 1e6,12:F1}");
        }
        var stages = nodes.SelectMany(n => n.Stages.Select(s => (n.Node, Stage: s))).OrderBy(s => s.Stage.Job, StringComparer.Ordinal)
            .ThenBy(s => s.Stage.Stage, StringComparer.Ordinal).ThenBy(s => s.Node, StringComparer.Ordinal).ToArray();
        w.WriteLine();
        if (stages.Length == 0)
        {
            w.WriteLine("no stage telemetry");
            return;
        }
        w.WriteLine($"{"JOB",-32}{"STAGE",-11}{"WORKER",-13}{"NODE",-18}{"MSGS",8}{"BUSY s",9}{"MAILBOX",8}{"ITEMS/s",9}{"IN MB",9}{"OUT MB",9}");
        foreach (var (node, s) in stages)
        {
            w.WriteLine($"{Trim(s.Job, 31),-32}{Trim(s.Stage, 10),-11}{Trim(s.Worker, 12),-13}{node,-18}{s.Messages,8}{s.BusySeconds,9:F2}{s.MailboxDepth,8}" +
                $"{s.ItemsPerSecond,9:F1}{s.BytesIn / 1e6,9:F2}{s.BytesOut / 1e6,9:F2}");
        }
    }

    private static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "~";
}
