using Xunit;

namespace Dataflow.Tests.Host.Dashboard;

/// <summary>A fact that needs a Chromium to drive (Debian's <c>chromium</c> package, which <c>.ci/run</c> installs:
/// <c>/usr/bin/chromium</c>, or the executable named by <c>DATAFLOW_CHROMIUM</c>); reported as skipped, with the
/// reason, where there is none. Playwright's own browser download is never used: the machines have no internet.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>The Chromium executable the tests launch.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("DATAFLOW_CHROMIUM") is { Length: > 0 } chosen
        ? chosen
        : "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Executable))
        {
            Skip = $"no Chromium at {Executable} (apt-get install chromium, or set DATAFLOW_CHROMIUM): the dashboard's browser test did not run";
        }
    }
}
