namespace Dataflow.Kernels.Input;

/// <summary>An input refused for its size: a file above <see cref="InputLimits.MaxInputBytes"/>, a gzip stream that
/// decompresses past it or past <see cref="InputLimits.MaxCompressionRatio"/>, or declared contents above
/// <see cref="InputLimits.MemoryBudgetBytes"/>. The message names the file, the limit and how far reading got.</summary>
public sealed class InputLimitException : FormatException
{
    /// <summary>A refusal of <paramref name="fileName"/>; the message reads <c>FILE: problem</c>.</summary>
    public InputLimitException(string fileName, long limit, long reached, string problem)
        : base($"{fileName}: {problem}")
    {
        FileName = fileName;
        Limit = limit;
        Reached = reached;
        Problem = problem;
    }

    /// <summary>What was refused, without the file name.</summary>
    public string Problem { get; }

    /// <summary>The file, as named to the reader.</summary>
    public string FileName { get; }

    /// <summary>The limit that was exceeded (bytes).</summary>
    public long Limit { get; }

    /// <summary>How far reading got, or what the declaration needs (bytes).</summary>
    public long Reached { get; }
}
