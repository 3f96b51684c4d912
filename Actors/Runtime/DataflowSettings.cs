using Akka.Actor;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Dataflow.Actors.Runtime;

/// <summary>The <c>dataflow.*</c> settings of a node: read once from its configuration, then immutable.</summary>
/// <remarks>
/// The reference file <c>hocon/dataflow.conf</c> declares every key with its default and meaning; code repeats
/// no default. A node checks the reference file and every <c>--hocon</c> file in
/// <see cref="DataflowNode.LoadConfig"/>, before its actor system starts: an unknown key or a bad value is a
/// <see cref="DataflowConfigException"/> naming the key and the file. Actors read the settings through
/// <see cref="Get"/>, cached per actor system, e.g. <c>DataflowSettings.Get(Context.System).StepTimeout</c>.
/// </remarks>
public sealed record DataflowSettings
{
    /// <summary>The configuration section holding these settings.</summary>
    public const string Section = "dataflow";

    private static readonly Provider s_provider = new();

    private DataflowSettings()
    {
    }

    /// <summary>Every key of the section, without the <c>dataflow.</c> prefix, in the reference file's order.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["connect-timeout", "telemetry-interval", "step-timeout", "compute-threads", "retained-jobs", "work-dir",
        "tls-cert", "tls-cert-password-file", "secret-file"];

    /// <summary>The reference configuration shipped next to the program (copied from <c>hocon/dataflow.conf</c>).</summary>
    public static string ReferenceFile => Path.Combine(AppContext.BaseDirectory, "hocon", "dataflow.conf");

    /// <summary><c>dataflow.connect-timeout</c>: how long a client or an embedded node waits to join its cluster.</summary>
    public TimeSpan ConnectTimeout { get; init; }

    /// <summary><c>dataflow.telemetry-interval</c>: how often node agents publish telemetry and throughput.</summary>
    public TimeSpan TelemetryInterval { get; init; }

    /// <summary><c>dataflow.step-timeout</c>: how long a job driver waits for a step before it re-places the
    /// logical workers of silent nodes.</summary>
    public TimeSpan StepTimeout { get; init; }

    /// <summary><c>dataflow.compute-threads</c>: concurrent logical-worker computations per node.</summary>
    /// <remarks>0 lets each stage choose: processor count divided by the job's intra-op threads.</remarks>
    public int ComputeThreads { get; init; }

    /// <summary><c>dataflow.retained-jobs</c>: ended jobs whose records (result or error, last progress lines) the
    /// coordinator and every node agent keep for <c>dataflow jobs</c>.</summary>
    public int RetainedJobs { get; init; }

    /// <summary><c>dataflow.work-dir</c>: the folder under which this node writes job output files, one folder per job
    /// (<c>&lt;work-dir&gt;/&lt;job-id&gt;/</c>); empty: none are written.</summary>
    /// <remarks>Empty in the reference: an embedded cluster writes no files of its own (its client writes what it
    /// receives). <c>dataflow host</c> sets it to <c>--work-dir</c>, else to <c>dataflow-work</c> in its current
    /// directory, as an absolute path.</remarks>
    public string WorkDir { get; init; } = "";

    /// <summary><c>dataflow.tls-cert</c>: the PKCS#12 file of the cluster's TLS certificate; null runs remoting
    /// without TLS.</summary>
    public string? TlsCert { get; init; }

    /// <summary><c>dataflow.tls-cert-password-file</c>: the file holding the certificate's password; null when it has none.</summary>
    public string? TlsCertPasswordFile { get; init; }

    /// <summary><c>dataflow.secret-file</c>: the file holding the cluster secret; null when the cluster has none.</summary>
    public string? SecretFile { get; init; }

    /// <summary>The settings of <paramref name="system"/>, read from its configuration on first use.</summary>
    public static DataflowSettings Get(ActorSystem system) => ((Holder)system.RegisterExtension(s_provider)).Settings;

    /// <summary>Reads and checks every key of <see cref="Section"/> in <paramref name="config"/>.</summary>
    /// <param name="source">The file (or other origin) the values came from, named in errors.</param>
    /// <exception cref="DataflowConfigException">A key is unknown or missing, or a value is malformed or out of range.</exception>
    public static DataflowSettings FromConfig(Config config, string source)
    {
        var section = SectionOf(config, source);
        foreach (var key in KeysIn(section, source))
        {
            if (!Keys.Contains(key, StringComparer.Ordinal))
            {
                throw Unknown(key, source);
            }
        }
        return new DataflowSettings
        {
            ConnectTimeout = Duration(section, "connect-timeout", source),
            TelemetryInterval = Duration(section, "telemetry-interval", source),
            StepTimeout = Duration(section, "step-timeout", source),
            ComputeThreads = Count(section, "compute-threads", source),
            RetainedJobs = Count(section, "retained-jobs", source),
            WorkDir = OptionalPath(section, "work-dir", source)?.Trim() ?? "",
            TlsCert = OptionalPath(section, "tls-cert", source),
            TlsCertPasswordFile = OptionalPath(section, "tls-cert-password-file", source),
            SecretFile = OptionalPath(section, "secret-file", source),
        };
    }

    private static Config SectionOf(Config config, string source)
    {
        var value = config.GetValue(Section);
        if (value is null)
        {
            throw new DataflowConfigException(Section, source, "missing section (hocon/dataflow.conf declares it)");
        }
        if (!IsObject(value))
        {
            throw new DataflowConfigException(Section, source, $"expected an object of settings, found '{Text(value)}'");
        }
        return config.GetConfig(Section);
    }

    private static List<string> KeysIn(Config section, string source)
    {
        var keys = new List<string>();
        for (var layer = section; layer is not null; layer = layer.Fallback)
        {
            if (!IsObject(layer.Root))
            {
                throw new DataflowConfigException(Section, source, $"expected an object of settings, found '{Text(layer.Root)}'");
            }
            keys.AddRange(layer.Root.GetObject().Items.Keys);
        }
        return keys;
    }

    private static bool IsObject(HoconValue value)
    {
        try
        {
            return value.IsObject();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    private static HoconValue Value(Config section, string key, string source) =>
        section.GetValue(key) ?? throw new DataflowConfigException($"{Section}.{key}", source,
            $"missing (the reference file {ReferenceFile} declares it)");

    // Durations as HOCON writes them (10s, 500ms, 2 minutes); bare numbers are milliseconds, as in Akka.
    private static TimeSpan Duration(Config section, string key, string source)
    {
        var value = Value(section, key, source);
        TimeSpan duration;
        try
        {
            duration = value.GetTimeSpan(allowInfinite: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var text = Text(value);
            throw new DataflowConfigException($"{Section}.{key}", source, text.StartsWith('-')
                ? $"'{text}': expected a positive duration"
                : $"'{text}' is not a duration (expected e.g. 10s or 500ms)");
        }
        if (duration <= TimeSpan.Zero)
        {
            throw new DataflowConfigException($"{Section}.{key}", source, $"'{Text(value)}': expected a positive duration");
        }
        return duration;
    }

    private static int Count(Config section, string key, string source)
    {
        var value = Value(section, key, source);
        if (!int.TryParse(Text(value), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
                out var count))
        {
            throw new DataflowConfigException($"{Section}.{key}", source, $"'{Text(value)}': expected an integer >= 0");
        }
        return count;
    }

    // A file name, or "" for none.
    private static string? OptionalPath(Config section, string key, string source)
    {
        var value = Value(section, key, source);
        if (!value.IsString())
        {
            throw new DataflowConfigException($"{Section}.{key}", source, $"'{Text(value)}': expected a file name in quotes, or \"\"");
        }
        var text = value.GetString();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    private static string Text(HoconValue value)
    {
        try
        {
            return value.IsString() ? value.GetString() : value.ToString().Trim();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return value.ToString().Trim();
        }
    }

    private static DataflowConfigException Unknown(string key, string source)
    {
        var known = string.Join(", ", Keys.Select(k => $"{Section}.{k}"));
        var nearest = Keys.MinBy(k => EditDistance(k, key))!;
        var hint = EditDistance(nearest, key) <= 2 ? $"did you mean {Section}.{nearest}? " : "";
        return new DataflowConfigException($"{Section}.{key}", source, $"unknown key; {hint}known keys: {known}");
    }

    // Levenshtein distance, for the "did you mean" hint on a misspelt key.
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>Holds one system's settings, so that they are read once per system.</summary>
    private sealed class Holder(DataflowSettings settings) : IExtension
    {
        public DataflowSettings Settings { get; } = settings;
    }

    private sealed class Provider : ExtensionIdProvider<Holder>
    {
        public override Holder CreateExtension(ExtendedActorSystem system) =>
            new(FromConfig(system.Settings.Config, "the actor system's configuration"));
    }
}
