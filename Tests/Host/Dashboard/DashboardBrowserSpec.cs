using System.Globalization;
using System.Text.Json;
using Dataflow.Host;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Host.Dashboard;

/// <summary>The dashboard of <c>dataflow host --dashboard-port</c> in a real browser (Playwright driving Debian's
/// Chromium, headless): two hosts, a finished job and a running one; the page lists the members, the jobs and the
/// stages, its loss chart gains points while the job trains, its result link downloads the finished job's result and
/// its cancel button stops the running job. A screenshot is saved as <c>TestResults/dashboard.png</c> under the test's
/// working directory.</summary>
public sealed class DashboardBrowserSpec(ITestOutputHelper output)
{
    private static readonly float s_timeoutMs = 90_000;

    [ChromiumFact]
    public async Task The_page_shows_members_jobs_and_a_live_chart_downloads_a_result_and_cancels_a_job()
    {
        using var hosts = new LocalHosts();
        var dashboardPort = LocalHosts.FreePort();
        await hosts.StartAsync(["--dashboard-port", dashboardPort.ToString(CultureInfo.InvariantCulture)]);
        await hosts.StartAsync();
        var dir = Directory.CreateTempSubdirectory("dataflow-dashboard-").FullName;
        using var interrupt = new CancellationTokenSource();
        Task<(int ExitCode, string Stdout, string Stderr)>? run = null;
        try
        {
            // A finished job: its result is offered for download.
            var resultFile = Path.Combine(dir, "quick.json");
            var quick = await LocalHosts.RunCliAsync(["run", "train", "--steps", "3", "--quiet", "--json", resultFile,
                "--cluster", hosts.Seed], TimeSpan.FromMinutes(3));
            Assert.True(quick.ExitCode == 0, quick.Stderr);
            var quickId = JsonDocument.Parse(File.ReadAllText(resultFile)).RootElement.GetProperty("jobId").GetString()!;

            // A job far longer than the test, cancelled from the page at the end.
            run = LocalHosts.RunCliAsync(["run", "train", "--model", "cnn", "--logical-workers", "4", "--batch", "32",
                "--steps", "1000000", "--cluster", hosts.Seed], TimeSpan.FromMinutes(4), interrupt: interrupt.Token);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumFactAttribute.Executable,
                Headless = true,
                // As root in a container Chromium's sandbox cannot start; the page is our own.
                Args = ["--no-sandbox"],
                Timeout = s_timeoutMs,
            });
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 1400, Height = 1100 },
                AcceptDownloads = true,
            });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(s_timeoutMs);
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e);
            await page.GotoAsync($"http://127.0.0.1:{dashboardPort}/");

            // The member table: both hosts, with their roles.
            await page.WaitForFunctionAsync("() => document.querySelectorAll('#members tbody tr').length === 2");
            var members = await page.Locator("#members tbody tr").AllInnerTextsAsync();
            foreach (var port in hosts.Ports)
            {
                Assert.Contains(members, m => m.Contains($"127.0.0.1:{port}", StringComparison.Ordinal) && m.Contains("compute", StringComparison.Ordinal));
            }

            // The running job, with a loss chart whose last point moves on.
            var running = page.Locator(".job", new PageLocatorOptions { HasText = "running" }).Filter(new LocatorFilterOptions { HasText = "train-" });
            var chart = running.Locator(".chart[data-metric='training loss']");
            await chart.WaitForAsync();
            await page.WaitForFunctionAsync(
                "() => { const c = document.querySelector(\".chart[data-metric='training loss']\"); return c && Number(c.dataset.points) >= 2; }");
            var firstX = await chart.GetAttributeAsync("data-last-x");
            var firstY = await chart.GetAttributeAsync("data-last-y");
            await page.WaitForFunctionAsync(
                "x => { const c = document.querySelector(\".chart[data-metric='training loss']\"); return c && c.dataset.lastX !== x; }", firstX);
            var laterX = await chart.GetAttributeAsync("data-last-x");
            var laterY = await chart.GetAttributeAsync("data-last-y");
            output.WriteLine($"loss chart's last point: step {firstX} loss {firstY}, then step {laterX} loss {laterY}");
            Assert.True(double.Parse(laterX!, CultureInfo.InvariantCulture) > double.Parse(firstX!, CultureInfo.InvariantCulture));
            Assert.True(double.IsFinite(double.Parse(laterY!, CultureInfo.InvariantCulture)));
            var head = await running.Locator(".head").InnerTextAsync();
            output.WriteLine(head);
            Assert.Contains($"driver 127.0.0.1:{hosts.Ports[0]}", head);
            Assert.Contains("ETA", head);
            Assert.Contains("/1000000", head);
            // Its stages, on both hosts.
            await page.WaitForFunctionAsync(
                "() => [...document.querySelectorAll('#stages tbody tr')].filter(r => r.innerText.includes('\\ttrain\\t')).length >= 2");
            // The members' CPU (a rate: two telemetry samples needed).
            await page.WaitForFunctionAsync(
                "() => [...document.querySelectorAll('#members tbody tr')].every(r => r.children[4].innerText !== '-')");

            var screenshot = Path.Combine(Directory.GetCurrentDirectory(), "TestResults", "dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            output.WriteLine($"screenshot: {screenshot}");

            // The finished job's result, downloaded from its link, is the result the client wrote.
            var finished = page.Locator($".job[data-job-id='{quickId}']");
            var download = await page.RunAndWaitForDownloadAsync(() => finished.Locator("a", new LocatorLocatorOptions { HasText = "Download result JSON" }).ClickAsync());
            var downloaded = Path.Combine(dir, "downloaded.json");
            await download.SaveAsAsync(downloaded);
            Assert.Equal($"{quickId}.json", download.SuggestedFilename);
            var expected = JsonDocument.Parse(File.ReadAllText(resultFile)).RootElement;
            var got = JsonDocument.Parse(File.ReadAllText(downloaded)).RootElement;
            Assert.Equal(expected.GetProperty("jobId").GetString(), got.GetProperty("jobId").GetString());
            Assert.Equal(expected.GetProperty("finalLoss").GetDouble(), got.GetProperty("finalLoss").GetDouble());

            // Cancel from the page (it asks for confirmation): the client sees its job cancelled.
            page.Dialog += (_, dialog) => dialog.AcceptAsync();
            await running.Locator("button", new LocatorLocatorOptions { HasText = "Cancel" }).ClickAsync();
            var ended = await run.WaitAsync(TimeSpan.FromMinutes(2));
            output.WriteLine(ended.Stderr);
            Assert.NotEqual(0, ended.ExitCode);
            Assert.Contains("stopped from the dashboard", ended.Stderr);
            Assert.Empty(errors);
        }
        catch
        {
            output.WriteLine(string.Join("\n", hosts.Log));
            // A failed check must not leave a million-step client (and its job) running until its own time limit.
            if (run is { IsCompleted: false })
            {
                interrupt.Cancel();
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
            }
            throw;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
