using Dataflow.Kernels.Har;
using Xunit;

namespace Dataflow.Tests.Kernels.Har;

/// <summary>A fact that runs only where OpenCV's native runtime loads, and is reported as skipped, with the reason,
/// everywhere else.</summary>
public sealed class OpenCvFactAttribute : FactAttribute
{
    public OpenCvFactAttribute()
    {
        if (OpenCv.UnavailableReason is { } why)
        {
            Skip = $"OpenCV not tested on this machine: {why}";
        }
    }
}

/// <summary>A theory that runs only where OpenCV's native runtime loads, and is reported as skipped, with the reason,
/// everywhere else.</summary>
public sealed class OpenCvTheoryAttribute : TheoryAttribute
{
    public OpenCvTheoryAttribute()
    {
        if (OpenCv.UnavailableReason is { } why)
        {
            Skip = $"OpenCV not tested on this machine: {why}";
        }
    }
}
