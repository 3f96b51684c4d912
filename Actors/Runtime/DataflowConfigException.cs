namespace Dataflow.Actors.Runtime;

/// <summary>A <c>dataflow.*</c> configuration key that is unknown, missing or has a bad value, in a named file.</summary>
/// <remarks>A <see cref="FormatException"/>, so the command line reports it as a bad input: one line, exit code 2.</remarks>
public sealed class DataflowConfigException(string key, string file, string problem)
    : FormatException($"{file}: {key}: {problem}")
{
    /// <summary>The full key, e.g. <c>dataflow.step-timeout</c>.</summary>
    public string Key { get; } = key;

    /// <summary>The file that set it (or the configuration's origin when it came from no file).</summary>
    public string File { get; } = file;
}
