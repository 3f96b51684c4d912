using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dataflow.Actors.Runtime;

namespace Dataflow.Host;

/// <summary>What <c>dataflow status --json</c> prints: a versioned document whose schema is
/// <c>Host/Schemas/status.schema.json</c> (copied beside the executable as <c>Schemas/status.schema.json</c>).</summary>
/// <remarks>Built from the coordinator's <see cref="ClusterStatus"/>, which is a wire message and may change with it;
/// this document changes only with <see cref="CurrentSchemaVersion"/>. Clients (this command included) are counted,
/// not listed as members. Every figure carries its unit in its name.</remarks>
internal sealed record StatusDocument(
    int SchemaVersion,
    string Coordinator,
    StatusMember[] Members,
    int Clients,
    StatusJob[] Jobs,
    StatusNode[] Nodes)
{
    /// <summary>The version of <c>status.schema.json</c> this build writes.</summary>
    public const int CurrentSchemaVersion = 1;

    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The document of <paramref name="status"/>.</summary>
    public static StatusDocument From(ClusterStatus status)
    {
        var clients = status.Members.Count(IsClient);
        return new StatusDocument(CurrentSchemaVersion, status.Coordinator,
            status.Members.Where(m => !IsClient(m)).OrderBy(m => m.Address, StringComparer.Ordinal)
                .Select(m => new StatusMember(m.Address, m.Status, m.Roles, m.Reachable, m.Throughput)).ToArray(),
            clients,
            status.Jobs.Select(j => new StatusJob(j.JobId, j.Workload, j.State, j.Done, j.Total,
                new SortedDictionary<string, int>(j.WorkersPerNode, StringComparer.Ordinal), j.PlacementChanges,
                new SortedDictionary<string, double>(j.Metrics ?? [], StringComparer.Ordinal))).ToArray(),
            status.Nodes.OrderBy(n => n.Node.Node, StringComparer.Ordinal).Select(n => new StatusNode(n.Node.Node,
                n.Node.ManagedBytes, n.Node.NativeBytes, n.Stages.Select(s => new StatusStage(s.Job, s.Stage, s.Worker,
                    s.Messages, s.BusySeconds, s.Items, s.ItemsPerSecond, s.MailboxDepth, s.BytesIn, s.BytesOut)).ToArray()))
                .ToArray());
    }

    /// <summary>The document as indented JSON (camelCase).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_options);

    private static bool IsClient(MemberInfo m) => m.Roles.Contains("client", StringComparer.Ordinal);
}

/// <summary>A host of the cluster.</summary>
/// <param name="ThroughputItemsPerSecond">The work items per second the host measured, its placement weight.</param>
internal sealed record StatusMember(string Address, string Status, string[] Roles, bool Reachable, double ThroughputItemsPerSecond);

/// <summary>A job the coordinator runs.</summary>
internal sealed record StatusJob(string JobId, string Workload, string State, long Done, long Total,
    SortedDictionary<string, int> WorkersPerNode, int PlacementChanges, SortedDictionary<string, double> Metrics);

/// <summary>A host's memory and its stage actors.</summary>
internal sealed record StatusNode(string Node, long ManagedBytes, long NativeBytes, StatusStage[] Stages);

/// <summary>One stage actor's counters.</summary>
internal sealed record StatusStage(string Job, string Stage, string Worker, long Messages, double BusySeconds, long Items,
    double ItemsPerSecond, int MailboxDepth, long BytesIn, long BytesOut);
