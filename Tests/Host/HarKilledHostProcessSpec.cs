using System.Text.Json;
using Dataflow.Host;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host;

/// <summary>A <c>har</c> stream on a cluster of host processes whose recogniser host is SIGKILLed mid-stream: the
/// pipeline is re-placed on the surviving nodes, the stream resumes within a bound, the frames the outage cost are
/// counted, and the job finishes.</summary>
public sealed class HarKilledHostProcessSpec(ITestOutputHelper output) : IDisposable
{
    private const int Frames = 400;
    private const double Fps = 10;

    // A SIGKILLed host is unreachable after the failure detector's 5 s pause (hocon/dataflow.conf), then the driver
    // re-places at once; measured here at about 6 to 8 s. The bound is generous for a loaded machine.
    private static readonly TimeSpan s_resumeBound = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(5);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("har-killed-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    [Trait("Category", "Heavy")]
    public async Task A_killed_recogniser_host_moves_the_recogniser_and_the_stream_resumes_and_finishes()
    {
        using var hosts = new LocalHosts();
        await hosts.StartAsync();
        await hosts.StartAsync();
        await hosts.StartAsync();
        // The driver places the recogniser on the last node by address (HarDriver.RoleNodes). Host 0 runs the
        // coordinator (the oldest node): the victim must be another, so add a host while host 0 sorts last.
        while (RecogniserHost(hosts) == 0 && hosts.Ports.Count < 6)
        {
            await hosts.StartAsync();
        }
        var victim = RecogniserHost(hosts);
        Assert.NotEqual(0, victim);
        var victimAddress = Address(hosts, victim);
        output.WriteLine($"{hosts.Ports.Count} hosts; the recogniser's host {victimAddress} (host {victim}) is killed");

        string[] job = ["run", "har", "--camera-sim", "--fps", "10", "--features", "flow", "--resolution", "96x128",
            "--frames", Frames.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var result = await RunWithKilledHost.RunAsync(hosts, job, via: 0, victim, killAt: 40,
            Path.Combine(_dir.FullName, "har.json"), s_limit, output);
        output.WriteLine(result.ToString());

        var frames = result.GetProperty("frames").GetInt64();
        var dropped = result.GetProperty("droppedFrames").GetInt64();
        var lost = result.GetProperty("lostFrames").GetInt64();
        var resume = result.GetProperty("resumeSeconds").GetDouble();
        output.WriteLine($"out {frames}, dropped {dropped}, lost {lost} of {Frames}; resumed after {resume:0.00} s");
        Assert.True(result.GetProperty("placementChanges").GetInt32() >= 1, "never re-placed");
        // Every frame the camera captured came out, was dropped or is counted lost.
        Assert.Equal(Frames, frames + dropped + lost);
        // Frames came out before the kill (at least 40) and after it (below: the new recogniser's items).
        Assert.True(frames > 40, $"only {frames} frames came out");
        // The camera kept going during the outage (seconds at 10 fps): those frames are counted, not silently gone.
        Assert.True(dropped + lost >= Fps * 2, $"the outage cost only {dropped + lost} frames");
        Assert.InRange(resume, 0.5, s_resumeBound.TotalSeconds);
        Assert.True(result.GetProperty("accuracy").ValueKind == JsonValueKind.Number);

        // The recogniser ran on the victim, and after it on another node.
        var recognisers = result.GetProperty("stages").EnumerateArray()
            .Where(s => s.GetProperty("role").GetString() == "recogniser")
            .Select(s => (Node: s.GetProperty("node").GetString(), Items: s.GetProperty("items").GetInt64()))
            .ToArray();
        Assert.Contains(recognisers, r => r.Node == victimAddress && r.Items > 0);
        Assert.Contains(recognisers, r => r.Node != victimAddress && r.Items > 0);
    }

    private static string Address(LocalHosts hosts, int index) =>
        $"127.0.0.1:{hosts.Ports[index].ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    private static int RecogniserHost(LocalHosts hosts)
    {
        var addresses = Enumerable.Range(0, hosts.Ports.Count).Select(i => Address(hosts, i)).ToArray();
        var last = addresses.Order(StringComparer.Ordinal).Last();
        return Array.IndexOf(addresses, last);
    }
}
