using System.Reflection;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Dataflow.Actors.Runtime;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

/// <summary>The <c>dataflow.*</c> settings: the reference file, layering of <c>--hocon</c> files and their checks.</summary>
public sealed class DataflowSettingsSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dataflow-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Config Reference => ConfigurationFactory.ParseString(File.ReadAllText(DataflowSettings.ReferenceFile));

    private static DataflowSettings Load(params string[] files) =>
        DataflowSettings.FromConfig(DataflowNode.LoadConfig(new NodeOptions { HoconFiles = files }), "test");

    private string Write(string name, string hocon)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, hocon);
        return path;
    }

    // ConnectTimeout -> connect-timeout: the naming rule that ties a property to its key.
    private static string KeyOf(PropertyInfo property)
    {
        var key = new StringBuilder();
        foreach (var c in property.Name)
        {
            if (char.IsUpper(c) && key.Length > 0)
            {
                key.Append('-');
            }
            key.Append(char.ToLowerInvariant(c));
        }
        return key.ToString();
    }

    private static PropertyInfo[] Properties =>
        typeof(DataflowSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    [Fact]
    public void Every_key_of_the_reference_file_is_a_property_and_every_property_a_key()
    {
        var declared = Reference.GetConfig(DataflowSettings.Section).AsEnumerable().Select(kv => kv.Key).ToArray();
        Assert.Equal(declared, DataflowSettings.Keys);
        Assert.Equal(declared.Order(StringComparer.Ordinal), Properties.Select(KeyOf).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Defaults_are_the_values_of_the_reference_file()
    {
        var settings = Load();
        var reference = Reference;
        foreach (var property in Properties)
        {
            var path = $"{DataflowSettings.Section}.{KeyOf(property)}";
            object? expected = property.PropertyType == typeof(TimeSpan) ? reference.GetTimeSpan(path)
                : property.Name == nameof(DataflowSettings.WorkDir) ? reference.GetString(path)
                : property.PropertyType == typeof(string) ? NullIfEmpty(reference.GetString(path))
                : reference.GetInt(path);
            Assert.Equal(expected, property.GetValue(settings));
        }
        // And the values the documentation promises.
        Assert.Equal(TimeSpan.FromSeconds(10), settings.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.TelemetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.StepTimeout);
        Assert.Equal(0, settings.ComputeThreads);
        // No TLS and no cluster secret: the loopback default.
        Assert.Null(settings.TlsCert);
        Assert.Null(settings.SecretFile);
        Assert.Equal("", settings.WorkDir);
    }

    [Fact]
    public void The_work_directory_comes_from_a_file_and_the_node_options_win()
    {
        var file = Write("work.conf", "dataflow.work-dir = \"/srv/dataflow work\"\n");
        Assert.Equal("/srv/dataflow work", Load(file).WorkDir);
        var options = new NodeOptions { HoconFiles = [file], WorkDirectory = "/tmp/a \"quoted\" dir" };
        Assert.Equal("/tmp/a \"quoted\" dir", DataflowSettings.FromConfig(DataflowNode.LoadConfig(options), "test").WorkDir);
        var e = Assert.Throws<DataflowConfigException>(() => Load(Write("bad.conf", "dataflow.work-dir = [1, 2]\n")));
        Assert.Contains("dataflow.work-dir", e.Message);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    [Fact]
    public void An_override_file_wins_over_the_reference_and_a_later_file_over_an_earlier_one()
    {
        var first = Write("first.conf", "dataflow.step-timeout = 5s\ndataflow { compute-threads = 3 }\n");
        var second = Write("second.conf", "dataflow { step-timeout = 1500ms }\n");

        var one = Load(first);
        Assert.Equal(TimeSpan.FromSeconds(5), one.StepTimeout);
        Assert.Equal(3, one.ComputeThreads);
        Assert.Equal(TimeSpan.FromSeconds(10), one.ConnectTimeout);

        var two = Load(first, second);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), two.StepTimeout);
        Assert.Equal(3, two.ComputeThreads);
    }

    [Fact]
    public void The_compute_threads_option_of_a_node_wins_over_the_files()
    {
        var file = Write("threads.conf", "dataflow.compute-threads = 3\n");
        var config = DataflowNode.LoadConfig(new NodeOptions { HoconFiles = [file], ComputeThreads = 5 });
        Assert.Equal(5, DataflowSettings.FromConfig(config, "test").ComputeThreads);
    }

    [Fact]
    public void An_unknown_key_is_refused_naming_the_key_and_the_file()
    {
        var file = Write("typo.conf", "akka.loglevel = ERROR\ndataflow.step-timout = 5s\n");
        var e = Assert.Throws<DataflowConfigException>(() => Load(file));
        Assert.Equal("dataflow.step-timout", e.Key);
        Assert.Equal(file, e.File);
        Assert.StartsWith($"{file}: dataflow.step-timout: unknown key; did you mean dataflow.step-timeout?", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_unknown_nested_key_is_refused_as_well()
    {
        var file = Write("nested.conf", "dataflow { telemetry { interval = 2s } }\n");
        var e = Assert.Throws<DataflowConfigException>(() => Load(file));
        Assert.Equal("dataflow.telemetry", e.Key);
        Assert.Equal(file, e.File);
    }

    [Theory]
    [InlineData("step-timeout = -5s")]
    [InlineData("step-timeout = soon")]
    [InlineData("step-timeout = 0s")]
    [InlineData("telemetry-interval = \"1 fortnight\"")]
    [InlineData("connect-timeout = { seconds = 10 }")]
    [InlineData("compute-threads = -1")]
    [InlineData("compute-threads = two")]
    [InlineData("compute-threads = 1.5")]
    public void A_bad_value_is_refused_naming_the_key_and_the_file(string line)
    {
        var file = Write("bad.conf", $"dataflow {{\n  {line}\n}}\n");
        var e = Assert.Throws<DataflowConfigException>(() => Load(file));
        var key = "dataflow." + line[..line.IndexOf(' ')];
        Assert.Equal(key, e.Key);
        Assert.Equal(file, e.File);
        Assert.StartsWith($"{file}: {key}: ", e.Message);
    }

    [Fact]
    public void A_later_valid_file_does_not_excuse_an_earlier_bad_one()
    {
        var bad = Write("bad.conf", "dataflow.step-timeout = never\n");
        var good = Write("good.conf", "dataflow.step-timeout = 5s\n");
        var e = Assert.Throws<DataflowConfigException>(() => Load(bad, good));
        Assert.Equal(bad, e.File);
    }

    [Fact]
    public void A_configuration_without_the_reference_is_refused_naming_the_missing_key()
    {
        var e = Assert.Throws<DataflowConfigException>(() =>
            DataflowSettings.FromConfig(ConfigurationFactory.ParseString("dataflow.step-timeout = 5s"), "partial.conf"));
        Assert.Equal("dataflow.connect-timeout", e.Key);
        Assert.Equal("partial.conf", e.File);
    }

    [Fact]
    public async Task An_actor_system_reads_its_settings_once()
    {
        var file = Write("system.conf", "dataflow.telemetry-interval = 250ms\n");
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local")
            .WithFallback(DataflowNode.LoadConfig(new NodeOptions { HoconFiles = [file] }));
        var system = ActorSystem.Create("settings", config);
        try
        {
            var settings = DataflowSettings.Get(system);
            Assert.Same(settings, DataflowSettings.Get(system));
            Assert.Equal(TimeSpan.FromMilliseconds(250), settings.TelemetryInterval);
            Assert.Equal(TimeSpan.FromSeconds(60), settings.StepTimeout);
        }
        finally
        {
            await system.Terminate();
        }
    }
}
