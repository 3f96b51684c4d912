namespace Dataflow.Kernels.Md.Script;

/// <summary>A LAMMPS input script that cannot be run; the message reads <c>FILE:LINE: COMMAND: what was wrong</c>.</summary>
public sealed class LammpsScriptException : FormatException
{
    /// <summary>An error in <paramref name="command"/> at <paramref name="line"/> (1-based) of <paramref name="fileName"/>.</summary>
    public LammpsScriptException(string fileName, int line, string command, string problem)
        : base($"{fileName}:{line}: {command}: {problem}")
    {
        FileName = fileName;
        Line = line;
        Command = command;
        Problem = problem;
    }

    /// <summary>The script, as named to the reader.</summary>
    public string FileName { get; }

    /// <summary>The 1-based line the command starts on.</summary>
    public int Line { get; }

    /// <summary>The command (first word of the line).</summary>
    public string Command { get; }

    /// <summary>What was wrong, without file, line and command.</summary>
    public string Problem { get; }
}
