namespace Dataflow.Kernels.Md;

/// <summary>A LAMMPS data file that cannot be read; the message reads <c>FILE:LINE: what was expected</c>.</summary>
public sealed class LammpsDataFormatException : FormatException
{
    /// <summary>An error at <paramref name="line"/> (1-based) of <paramref name="fileName"/>.</summary>
    public LammpsDataFormatException(string fileName, int line, string problem)
        : base($"{fileName}:{line}: {problem}")
    {
        FileName = fileName;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file, as named to the reader.</summary>
    public string FileName { get; }

    /// <summary>The 1-based line the problem was found on.</summary>
    public int Line { get; }

    /// <summary>What was wrong, without the file and line.</summary>
    public string Problem { get; }
}
