namespace Dataflow.Actors.Runtime;

/// <summary>Where job output files go: a host writes them only under its work directory, one folder per job
/// (<c>&lt;work-dir&gt;/&lt;job-id&gt;/</c>); a client writes what it receives only under directories its user named.
/// No path ever travels in a job spec.</summary>
public static class JobFiles
{
    /// <summary>The <see cref="JobOutput.Stream"/> of a job's checkpoints, sent to the client when the job asked for
    /// checkpoint files.</summary>
    public const string CheckpointStream = "checkpoint";

    /// <summary>Longest job id that names a folder.</summary>
    public const int MaxJobIdLength = 200;

    /// <summary>Whether <paramref name="jobId"/> can name a folder on any host: ASCII letters, digits, '.', '_' and
    /// '-', not starting with '.', at most <see cref="MaxJobIdLength"/> characters.</summary>
    public static bool IsSafeJobId(string? jobId) =>
        jobId is { Length: > 0 and <= MaxJobIdLength } && jobId[0] != '.' &&
        jobId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Why <paramref name="jobId"/> is refused, or null when it is a safe folder name.</summary>
    public static string? Refusal(string? jobId) => IsSafeJobId(jobId)
        ? null
        : $"job id '{jobId}' is not a folder name: use 1 to {MaxJobIdLength} ASCII letters, digits, '.', '_' or '-', not starting with '.'";

    /// <summary>The folder of job <paramref name="jobId"/> under <paramref name="root"/>.</summary>
    /// <exception cref="ArgumentException">The job id could name a path outside <paramref name="root"/>.</exception>
    public static string JobFolder(string root, string jobId) =>
        Refusal(jobId) is { } refusal ? throw new ArgumentException(refusal, nameof(jobId)) : Path.Combine(root, jobId);

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> through a temporary file renamed over it, so
    /// that a reader never sees half a file; creates the folder.</summary>
    public static void WriteAtomically(string path, byte[] data)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(data);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
