using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dataflow.Host.Dashboard;

/// <summary>What the dashboard's page reads (<c>/api/v1/status</c>, and every event of <c>/api/v1/events</c>): a
/// versioned document whose schema is <c>Host/Schemas/dashboard.schema.json</c> (beside the executable as
/// <c>Schemas/dashboard.schema.json</c>).</summary>
/// <remarks>Built by <see cref="DashboardState"/> from the coordinator's status and job list, polled once a second,
/// with the history of each job's metrics as this host saw them. Every figure carries its unit in its name.</remarks>
internal sealed record DashboardDocument(
    int SchemaVersion,
    long TimeUnixMs,
    string Host,
    string? Coordinator,
    string? Error,
    int Clients,
    DashboardMember[] Members,
    DashboardJob[] Jobs,
    DashboardStage[] Stages)
{
    /// <summary>The version of <c>dashboard.schema.json</c> this build writes.</summary>
    public const int CurrentSchemaVersion = 1;

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // NaN and infinities (a diverged loss) are not JSON numbers: they are left out of the history and sent as null.
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The document as compact JSON (camelCase).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_options);
}

/// <summary>A host of the cluster.</summary>
/// <param name="CpuCores">CPU time the host's process used per second of wall time over the last poll interval (1.0 is
/// one core busy), or null before two samples.</param>
internal sealed record DashboardMember(string Address, string Status, string[] Roles, bool Reachable,
    double ThroughputItemsPerSecond, long? ManagedBytes, long? NativeBytes, double? CpuCores);

/// <summary>A job the coordinator runs or recently ended.</summary>
/// <param name="EtaSeconds">Seconds until the job ends at its mean rate since it was submitted, or null (not started,
/// ended, or no total).</param>
/// <param name="DriverNode">The host whose coordinator runs the job's driver.</param>
/// <param name="Metrics">The latest value of each metric the job reports, by name (finite values only).</param>
/// <param name="History">Each metric's points as this host saw them: pairs [units of work done, value].</param>
internal sealed record DashboardJob(string JobId, string Workload, string State, long Done, long Total,
    long SubmittedUnixMs, long? EndedUnixMs, double? EtaSeconds, string DriverNode, bool HasResult, string? Error,
    SortedDictionary<string, int> WorkersPerNode, SortedDictionary<string, double> Metrics,
    SortedDictionary<string, double[][]> History);

/// <summary>One stage actor of a running job on one host.</summary>
/// <param name="BusyFraction">Busy seconds per wall second over the last poll interval, or null before two samples.</param>
internal sealed record DashboardStage(string Job, string Stage, string Worker, string Node, long Messages, double BusySeconds,
    double? BusyFraction, double ItemsPerSecond, int MailboxDepth);
