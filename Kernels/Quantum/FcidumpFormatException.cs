namespace Dataflow.Kernels.Quantum;

/// <summary>An FCIDUMP file that cannot be read; the message is <c>FILE:LINE: what was wrong</c>.</summary>
public sealed class FcidumpFormatException : FormatException
{
    /// <summary>An error at <paramref name="lineNumber"/> (1-based) of <paramref name="sourceName"/>.</summary>
    public FcidumpFormatException(string sourceName, int lineNumber, string problem)
        : base($"{sourceName}:{lineNumber}: {problem}")
    {
        SourceName = sourceName;
        LineNumber = lineNumber;
        Problem = problem;
    }

    /// <summary>The file's path or name.</summary>
    public string SourceName { get; }

    /// <summary>1-based line the problem was found on.</summary>
    public int LineNumber { get; }

    /// <summary>What was wrong, without the location.</summary>
    public string Problem { get; }
}
