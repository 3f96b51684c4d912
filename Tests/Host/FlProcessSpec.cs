using System.Buffers.Binary;
using System.Text.Json;
using Dataflow.Host;
using Dataflow.Kernels.Fl;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary><c>dataflow run fl</c> as a user runs it: embedded and across host processes.</summary>
public sealed class FlProcessSpec(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);

    // Small enough for seconds per round on a loaded core: 8^3 volumes, a U-Net of 4 base channels, 2 training volumes.
    private static readonly string[] s_small = ["--side", "8", "--channels", "4", "--train-volumes", "2", "--test-volumes", "1", "--batch", "1"];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("dataflow-fl-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Same_participants_give_identical_weights_and_dice_embedded_and_on_three_hosts()
    {
        string[] job = ["run", "fl", "--institutes", "4", "--rounds", "2", "--strategy", "fedbn", "--vfda", "--seed", "5", .. s_small];
        var embedded = await RunAsync([.. job], "embedded.json");

        using var hosts = new LocalHosts();
        for (var i = 0; i < 3; i++)
        {
            await hosts.StartAsync();
        }
        var cluster = await RunAsync([.. job, "--cluster", hosts.Seed], "cluster.json");

        Assert.Equal(2, cluster.GetProperty("rounds").GetInt32());
        Assert.Equal(embedded.GetProperty("weightsSha256").GetString(), cluster.GetProperty("weightsSha256").GetString());
        Assert.Equal(embedded.GetProperty("meanDice").GetDouble(), cluster.GetProperty("meanDice").GetDouble());
        Assert.Equal(Dice(embedded), Dice(cluster));
        // Every institute took part in every round, in both runs.
        Assert.All(Trained(cluster), t => Assert.Equal([0, 1, 2, 3], t));
    }

    [Fact]
    public async Task Sites_train_on_volumes_that_exist_only_on_their_hosts()
    {
        // Each site's host holds its volumes; the client names the sites and has no data. The run equals the embedded
        // run on a folder with the same volumes, bit for bit.
        var hostData = Path.Combine(_dir.FullName, "hosts");
        WriteSite(Path.Combine(hostData, "alpha"), seed: 11, institute: 0);
        WriteSite(Path.Combine(hostData, "beta"), seed: 11, institute: 1);
        string[] job = ["run", "fl", "--rounds", "2", "--strategy", "fedavg", "--seed", "2", .. s_small];
        var embedded = await RunAsync([.. job, "--data", hostData], "embedded.json");

        using var hosts = new LocalHosts();
        await hosts.StartAsync();
        await hosts.StartAsync(["--institute", "alpha", "--data", Path.Combine(hostData, "alpha")]);
        await hosts.StartAsync(["--institute", "beta", "--data", Path.Combine(hostData, "beta")]);
        var cluster = await RunAsync([.. job, "--sites", "alpha,beta", "--cluster", hosts.Seed], "cluster.json");

        Assert.Equal(["alpha", "beta"], cluster.GetProperty("institutes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("hosts", cluster.GetProperty("inputs").GetProperty("data").GetString());
        Assert.Equal(embedded.GetProperty("weightsSha256").GetString(), cluster.GetProperty("weightsSha256").GetString());
        Assert.Equal(Dice(embedded), Dice(cluster));
        Assert.All(Trained(cluster), t => Assert.Equal([0, 1], t));
    }

    [Fact]
    [Trait("Category", "Heavy")]
    public async Task An_institute_whose_host_is_killed_mid_round_misses_rounds_and_rejoins_when_its_host_is_back()
    {
        // site-1 is served by host 1 only. Killed once round 1 is reported (round 2 is under way), it misses the rounds
        // until a new host serving site-1 joins; the others go on without it, and it is never placed elsewhere.
        using var hosts = new LocalHosts();
        await hosts.StartAsync();
        await hosts.StartAsync(["--institute", "site-1"]);
        await hosts.StartAsync();
        var killed = 0;
        Task? restart = null;
        var path = Path.Combine(_dir.FullName, "faults.json");
        var run = await LocalHosts.RunCliAsync(["run", "fl", "--institutes", "3", "--rounds", "10", "--local-epochs", "30", "--round-deadline", "30",
                "--seed", "4", .. s_small, "--cluster", hosts.Seed, "--json", path], s_limit, line =>
            {
                output.WriteLine(line);
                if (line.StartsWith("1/10 ", StringComparison.Ordinal) && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    hosts.Kill(1);
                    restart = Task.Run(() => hosts.StartAsync(["--institute", "site-1"]));
                }
            });
        if (restart is not null)
        {
            await restart;
        }
        foreach (var line in hosts.Log)
        {
            output.WriteLine(line);
        }
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(1, killed);
        var result = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        Assert.Equal(10, result.GetProperty("rounds").GetInt32());
        var trained = Trained(result);
        Assert.Equal([0, 1, 2], trained[0]);
        var missed = Array.FindIndex(trained, t => !t.Contains(1));
        Assert.True(missed >= 1, "site-1 took part in every round: " + result);
        Assert.All(trained, t => Assert.Contains(0, t));
        Assert.All(trained, t => Assert.Contains(2, t));
        // It rejoined on its new host after missing at least one round.
        Assert.True(Array.FindIndex(trained, missed, t => t.Contains(1)) > missed, "site-1 never rejoined: " + result);
        var dice = Dice(result);
        Assert.Null(dice[missed][1]);
        Assert.NotNull(dice[^1][1]);
    }

    [Theory]
    [InlineData(new[] { "--data", "/nonexistent-fl-site" }, "--data needs --institute")]
    [InlineData(new[] { "--institute", "alpha", "--data", "/nonexistent-fl-site" }, "--data /nonexistent-fl-site: expected a folder with imagesTr/ and labelsTr/")]
    [InlineData(new[] { "--institute", "a/b" }, "--institute 'a/b': expected a name")]
    public async Task A_host_with_a_bad_institute_option_exits_2_naming_it(string[] options, string expected)
    {
        var run = await LocalHosts.RunCliAsync(["host", "--port", "0", .. options], TimeSpan.FromMinutes(1));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--sites", "a,b", "--institutes", "2" }, "--sites and --institutes")]
    [InlineData(new[] { "--sites", "a,a" }, "--sites a,a: expected distinct names")]
    [InlineData(new[] { "--sites", "a,b" }, "--sites needs --cluster HOST:PORT")]
    public async Task Bad_sites_exit_2_naming_the_option(string[] options, string expected)
    {
        var run = await LocalHosts.RunCliAsync(["run", "fl", .. options], TimeSpan.FromMinutes(1));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>An institute folder in the Medical Segmentation Decathlon layout: 3 synthetic volumes of 12^3 voxels as
    /// float32 images and uint8 labels (resampled to --side by the reader).</summary>
    private static void WriteSite(string folder, long seed, int institute)
    {
        Directory.CreateDirectory(Path.Combine(folder, "imagesTr"));
        Directory.CreateDirectory(Path.Combine(folder, "labelsTr"));
        for (var k = 0; k < 3; k++)
        {
            var v = SyntheticVolumes.Generate(seed, institute, split: 0, index: k, side: 12);
            var file = $"case_{k:D3}.nii";
            File.WriteAllBytes(Path.Combine(folder, "imagesTr", file), Nifti(v.Side, 16, v.Image.SelectMany(BitConverter.GetBytes).ToArray()));
            File.WriteAllBytes(Path.Combine(folder, "labelsTr", file), Nifti(v.Side, 2, v.Label));
        }
    }

    /// <summary>A single-file NIfTI-1 image (nifti1.h): the 348-byte header, 4 bytes of no extension, the voxels.</summary>
    private static byte[] Nifti(int side, short datatype, byte[] voxels)
    {
        Assert.True(BitConverter.IsLittleEndian);
        var bytes = new byte[352 + voxels.Length];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, 348);
        short[] dim = [3, (short)side, (short)side, (short)side, 1, 1, 1, 1];
        for (var d = 0; d < 8; d++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(span[(40 + 2 * d)..], dim[d]);
            BinaryPrimitives.WriteSingleLittleEndian(span[(76 + 4 * d)..], 1f);
        }
        BinaryPrimitives.WriteInt16LittleEndian(span[70..], datatype);
        BinaryPrimitives.WriteInt16LittleEndian(span[72..], (short)(datatype == 16 ? 32 : 8));
        BinaryPrimitives.WriteSingleLittleEndian(span[108..], 352f);
        BinaryPrimitives.WriteSingleLittleEndian(span[112..], 1f);
        "n+1\0"u8.CopyTo(span[344..]);
        voxels.CopyTo(span[352..]);
        return bytes;
    }

    private async Task<JsonElement> RunAsync(string[] args, string json)
    {
        var path = Path.Combine(_dir.FullName, json);
        var run = await LocalHosts.RunCliAsync([.. args, "--json", path], s_limit, output.WriteLine);
        output.WriteLine(run.Stdout);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    private static double?[][] Dice(JsonElement result) =>
        result.GetProperty("history").EnumerateArray()
            .Select(h => h.GetProperty("dicePerInstitute").EnumerateArray()
                .Select(d => d.ValueKind == JsonValueKind.Null ? (double?)null : d.GetDouble()).ToArray())
            .ToArray();

    private static int[][] Trained(JsonElement result) =>
        result.GetProperty("history").EnumerateArray()
            .Select(h => h.GetProperty("trained").EnumerateArray().Select(t => t.GetInt32()).ToArray())
            .ToArray();
}
